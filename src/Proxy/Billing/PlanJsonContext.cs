using System.Text.Json.Serialization;

namespace Proxy.Billing;

/// <summary>Plan versions as JSON, as the admin API takes and answers them and as <see cref="PlanStore"/> keeps them:
/// snake_case, and a field this contract does not know is an error, not a silent no-op.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(PlanDocument))]
internal sealed partial class PlanJsonContext : JsonSerializerContext;
