using System.Text.Json.Serialization;

namespace Proxy.Billing;

/// <summary>Invoices as JSON, as the admin API answers them and as <see cref="InvoiceStore"/> keeps a finalized
/// month's snapshot: snake_case, fields a line does not have left out.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Invoice))]
internal sealed partial class InvoiceJsonContext : JsonSerializerContext;
