using System.Text.Json.Serialization;

namespace Proxy.Metering;

/// <summary>Records as JSON: snake_case field names, exactly as in README.md's record table.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SessionRecord))]
[JsonSerializable(typeof(CostBreakdown))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, IndicatorOutcome>))]
[JsonSerializable(typeof(IReadOnlyList<SessionRecord>))]
internal sealed partial class MeteringJsonContext : JsonSerializerContext;
