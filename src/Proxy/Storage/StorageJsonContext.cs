using System.Text.Json.Serialization;

namespace Proxy.Storage;

[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(Dictionary<string, List<SessionHeartbeat>>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
