using System.Text.Json.Serialization;

namespace Proxy.Storage;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SpoolEntry))]
internal sealed partial class SpoolJsonContext : JsonSerializerContext;
