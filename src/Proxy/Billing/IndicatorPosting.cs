using Proxy.Customers;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Telemetry;

namespace Proxy.Billing;

/// <summary>
/// Posts outcome indicators (Paygent's <c>set_voice_indicator</c>) on a session's record, during the call or after
/// it: the fee is the <c>indicators.&lt;name&gt;.flat_micros</c> of the plan version that rated the record – for a
/// session still open, the version in force at its open, the one <see cref="RecordRater"/> will rate it by (its final
/// record takes the indicator and is priced with it) – charged once per (session, name) whatever the value; a name
/// the plan does not price, or an unrated record, costs 0 and is still recorded.
/// </summary>
internal sealed class IndicatorPosting
{
    private readonly IndicatorStore _store;
    private readonly PlanStore _plans;
    private readonly IPlanVersions _versions;
    private readonly ProxyMetrics _metrics;

    public IndicatorPosting(IndicatorStore store, PlanStore plans, IPlanVersions versions, ProxyMetrics metrics)
    {
        _store = store;
        _plans = plans;
        _versions = versions;
        _metrics = metrics;
    }

    /// <summary>By session id alone (its customer from the session index).</summary>
    public async Task<IndicatorPostResult> PostAsync(string sessionId, string name, decimal value)
    {
        var customerId = await _store.FindCustomerAsync(sessionId).ConfigureAwait(false);
        return customerId is null
            ? new IndicatorPostResult(IndicatorPostStatus.NotFound)
            : await PostAsync(customerId, sessionId, name, value).ConfigureAwait(false);
    }

    /// <summary>On the customer's latest session with that client session id.</summary>
    public async Task<IndicatorPostResult> PostByClientSessionAsync(string customerId, string clientSessionId, string name, decimal value)
    {
        var sessionId = await _store.FindLatestByClientSessionAsync(customerId, clientSessionId).ConfigureAwait(false);
        return sessionId is null
            ? new IndicatorPostResult(IndicatorPostStatus.NotFound)
            : await PostAsync(customerId, sessionId, name, value).ConfigureAwait(false);
    }

    private async Task<IndicatorPostResult> PostAsync(string customerId, string sessionId, string name, decimal value)
    {
        // The currency of the record as last read, the one the applied fee was computed for.
        string? currency = null;
        var result = await _store.PostAsync(customerId, sessionId, name, value, record =>
        {
            currency = record.Currency;
            return FeeAsync(record, name);
        }).ConfigureAwait(false);
        switch (result.Status)
        {
            case IndicatorPostStatus.Created:
                _metrics.IndicatorPosted("created");

                // A fee posted on a final record adds to its cost now; one posted during the call is counted with the
                // final record's cost.
                if (result is { RecordVersion: not null, Indicator.FeeMicros: > 0 } && currency is not null)
                {
                    _metrics.CostRated(currency, result.Indicator.FeeMicros);
                }

                break;
            case IndicatorPostStatus.Repeated:
                _metrics.IndicatorPosted("repeated");
                break;
            case IndicatorPostStatus.Conflict:
                _metrics.IndicatorPosted("conflict");
                break;
        }

        return result;
    }

    /// <summary>The fee of the plan version that rated the record (kept after the plan changes or is deleted); for an
    /// open record, of the version in force at its upstream open, as the rater will find it (a session without an
    /// upstream session costs nothing, indicators included).</summary>
    private async Task<long> FeeAsync(SessionRecord record, string name)
    {
        if (record.Status != SessionStatus.Closed)
        {
            if (record is not { PlanId: { Length: > 0 } openPlanId, UpstreamOpenedAtMs: { } openedAtMs })
            {
                return 0;
            }

            var inForce = await _versions.InForceAsync(openPlanId, openedAtMs).ConfigureAwait(false);
            return inForce is not null && inForce.Indicators.TryGetValue(name, out var openPrice) ? openPrice.FlatMicros : 0;
        }

        if (record is not { PlanId: { Length: > 0 } planId, PlanVersion: { } version, Currency: not null, DurationMs: not null } || !CustomerIds.IsValid(planId))
        {
            return 0;
        }

        var history = await _plans.ReadHistoryAsync(planId, known: null).ConfigureAwait(false);
        var rated = history.Versions.FirstOrDefault(p => p.Version.Version == version)?.Version;
        return rated is not null && rated.Indicators.TryGetValue(name, out var price) ? price.FlatMicros : 0;
    }
}
