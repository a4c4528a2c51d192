using System.Text.Json.Serialization;

namespace Proxy.Emulator;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ConnectionSnapshot))]
[JsonSerializable(typeof(ConnectionSnapshot[]))]
[JsonSerializable(typeof(HttpError))]
internal sealed partial class EmulatorJsonContext : JsonSerializerContext;
