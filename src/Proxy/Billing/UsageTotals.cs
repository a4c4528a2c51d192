namespace Proxy.Billing;

/// <summary>The five sums every usage row and total carries; money in micro-units of the report's currency.</summary>
internal readonly record struct UsageTotals(long Sessions, long DurationMs, long BillableMs, long RatedMs, long CostMicros);
