using System.Text.Json.Serialization;

namespace Proxy.Storage;

/// <summary>The instance registry's entries as stored: snake_case, like the admin API that shows them.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(InstanceEntry))]
internal sealed partial class InstanceRegistryJsonContext : JsonSerializerContext;
