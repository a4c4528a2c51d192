using System.Text.Json.Serialization;

namespace Proxy.Billing;

/// <summary>One row of a usage report: keyed by <see cref="Day"/>, by <see cref="KeyId"/>, or by
/// (<see cref="Component"/>, <see cref="Model"/>) as the report's grouping says; the other keys are absent.
/// A model row counts the sessions that used that model and adds the model rates' share,
/// <see cref="SurchargeMicros"/> (already part of <see cref="CostMicros"/>).</summary>
internal sealed record UsageRow
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DateOnly? Day { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? KeyId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Component { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Model { get; init; }

    public long Sessions { get; init; }

    public long DurationMs { get; init; }

    public long BillableMs { get; init; }

    public long RatedMs { get; init; }

    public long CostMicros { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? SurchargeMicros { get; init; }
}
