using Proxy.Customers;

namespace Proxy.Billing;

/// <summary>
/// Which Deepgram key ids (<c>accessor</c> on Deepgram's requests list) hold all of a customer's requests of a period:
/// those of its own keys in force during it. Only when its own keys covered the whole period – a stretch on the shared
/// default key (<c>Upstream:ApiKey</c>) or on a key set by PUT, whose id the gateway does not know, is only in the
/// unfiltered list.
/// </summary>
internal static class CustomerAccessors
{
    /// <summary>The key ids, or null when the customer's own keys do not cover the period. A key counts until
    /// <paramref name="afterRetirementMs"/> after it was replaced: a session admitted just before may open upstream
    /// just after.</summary>
    public static IReadOnlyList<string>? For(IReadOnlyList<DeepgramKeyPeriod> history, ReconciliationPeriod period, long afterRetirementMs)
    {
        var accessors = new List<string>();
        var coveredUntil = period.FromMs;
        foreach (var key in history.OrderBy(k => k.FromMs))
        {
            var untilMs = key.ToMs is { } to ? to + afterRetirementMs : long.MaxValue;
            if (key.FromMs >= period.ToMs || untilMs <= period.FromMs)
            {
                continue;
            }

            if (key.FromMs > coveredUntil)
            {
                return null;
            }

            accessors.Add(key.DeepgramKeyId);
            coveredUntil = Math.Max(coveredUntil, untilMs);
        }

        return coveredUntil >= period.ToMs && accessors.Count > 0 ? accessors : null;
    }
}
