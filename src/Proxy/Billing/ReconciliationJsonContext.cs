using System.Text.Json.Serialization;

namespace Proxy.Billing;

/// <summary>The reconciliation report as the admin API answers it and as <see cref="ReconciliationStore"/> keeps the
/// last one: snake_case, a customer-less run without <c>customer</c>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ReconciliationReport))]
internal sealed partial class ReconciliationJsonContext : JsonSerializerContext;
