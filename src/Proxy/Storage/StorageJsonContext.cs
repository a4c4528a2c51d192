using System.Text.Json.Serialization;

namespace Proxy.Storage;

[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
