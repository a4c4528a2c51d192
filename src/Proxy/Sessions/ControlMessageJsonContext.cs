using System.Text.Json.Serialization;

namespace Proxy.Sessions;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ControlMessage))]
internal sealed partial class ControlMessageJsonContext : JsonSerializerContext;
