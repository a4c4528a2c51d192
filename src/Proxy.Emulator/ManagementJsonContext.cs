using System.Text.Json.Serialization;

namespace Proxy.Emulator;

/// <summary>The REST API's JSON: snake_case as Deepgram writes it, absent fields left out.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RequestsPage))]
[JsonSerializable(typeof(CreatedKey))]
[JsonSerializable(typeof(KeyList))]
[JsonSerializable(typeof(KeyGet))]
[JsonSerializable(typeof(KeyDeleted))]
[JsonSerializable(typeof(Grant))]
[JsonSerializable(typeof(ManagementFault))]
[JsonSerializable(typeof(ManagementFault[]))]
[JsonSerializable(typeof(ManagementRequestEntry[]))]
internal sealed partial class ManagementJsonContext : JsonSerializerContext;
