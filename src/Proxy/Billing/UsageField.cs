namespace Proxy.Billing;

/// <summary>What a field of a usage hash counts (BILLING.md, "Usage aggregates"):
/// <c>sessions</c>, <c>duration_ms</c>, … for the whole day; <c>key:&lt;key_id&gt;:&lt;measure&gt;</c> per proxy key;
/// <c>model:&lt;component&gt;:&lt;model&gt;:&lt;measure&gt;</c> per model. The component ends at the first ':' and the
/// measure starts after the last one, so a key id or model name that itself contains ':' ("gpt-4o:2024") is read
/// whole. Fields of other scopes (<c>plan:</c>, <c>indicator:</c>, <c>currency</c>) are not usage sums.</summary>
internal readonly record struct UsageField(UsageFieldScope Scope, string Measure, string? KeyId = null, string? Component = null, string? Model = null)
{
    public const string Sessions = "sessions";
    public const string DurationMs = "duration_ms";
    public const string BillableMs = "billable_ms";
    public const string RatedMs = "rated_ms";
    public const string CostMicros = "cost_micros";
    public const string SurchargeMicros = "surcharge_micros";

    /// <summary>The hash field holding the day's currency (ISO 4217), written with the billing fields.</summary>
    public const string Currency = "currency";

    private const string KeyPrefix = "key:";
    private const string ModelPrefix = "model:";

    public static bool TryParse(string name, out UsageField field)
    {
        field = default;
        if (name.StartsWith(KeyPrefix, StringComparison.Ordinal))
        {
            // The prefix's own ':' is not the measure's: "key:sessions" names no key.
            var last = name.LastIndexOf(':');
            if (last < KeyPrefix.Length)
            {
                return false;
            }

            field = new UsageField(UsageFieldScope.Key, name[(last + 1)..], KeyId: name[KeyPrefix.Length..last]);
            return IsSum(field.Measure);
        }

        if (name.StartsWith(ModelPrefix, StringComparison.Ordinal))
        {
            var componentEnd = name.IndexOf(':', ModelPrefix.Length);
            var last = name.LastIndexOf(':');
            if (componentEnd <= ModelPrefix.Length || last == componentEnd)
            {
                return false;
            }

            field = new UsageField(
                UsageFieldScope.Model,
                name[(last + 1)..],
                Component: name[ModelPrefix.Length..componentEnd],
                Model: name[(componentEnd + 1)..last]);
            return IsSum(field.Measure) || field.Measure == SurchargeMicros;
        }

        field = new UsageField(UsageFieldScope.Day, name);
        return IsSum(name);
    }

    // The five sums of every row. Unknown measures are skipped rather than refused: a later finalize script may
    // count more than this report shows.
    private static bool IsSum(string measure) =>
        measure is Sessions or DurationMs or BillableMs or RatedMs or CostMicros;
}

internal enum UsageFieldScope
{
    Day,
    Key,
    Model,
}
