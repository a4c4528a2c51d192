using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Storage;
using Proxy.Telemetry;

namespace Proxy.Billing;

/// <summary>
/// Deletes at Deepgram the customers' provisioned keys that were replaced or removed, once no live session of the
/// customer may still use them: none of its unexpired leases (every instance's live sessions) belongs to a session
/// opened before the key's retirement plus <see cref="DeepgramOptions.KeyRetirementGrace"/> (a session id carries its
/// open instant). A lease outlives its session by at most its time to live, so a key waits no longer than the longest
/// session that used it. The state is in Redis, so another instance, or this one after a restart, finishes the work;
/// deleting a key Deepgram no longer has counts as done.
/// </summary>
internal sealed class UpstreamKeyRetirement
{
    private const int MaxCustomersPerPass = 1000;

    private readonly UpstreamKeyStore _store;
    private readonly SessionLeaseStore _leases;
    private readonly DeepgramKeysClient _deepgram;
    private readonly IOptionsMonitor<DeepgramOptions> _options;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<UpstreamKeyRetirement> _logger;

    public UpstreamKeyRetirement(
        UpstreamKeyStore store,
        SessionLeaseStore leases,
        DeepgramKeysClient deepgram,
        IOptionsMonitor<DeepgramOptions> options,
        ProxyMetrics metrics,
        TimeProvider time,
        ILogger<UpstreamKeyRetirement> logger)
    {
        _store = store;
        _leases = leases;
        _deepgram = deepgram;
        _options = options;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>One pass over the customers with retiring keys; returns how many keys are gone at Deepgram now.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var customerId in (await _store.CustomersWithRetiringKeysAsync().ConfigureAwait(false)).Take(MaxCustomersPerPass))
        {
            cancellationToken.ThrowIfCancellationRequested();
            deleted += await RetireAsync(customerId, cancellationToken).ConfigureAwait(false);
        }

        return deleted;
    }

    private async Task<int> RetireAsync(string customerId, CancellationToken cancellationToken)
    {
        var retiring = await _store.RetiringAsync(customerId).ConfigureAwait(false);
        if (retiring.Count == 0)
        {
            await _store.ForgetCustomerIfDoneAsync(customerId).ConfigureAwait(false);
            return 0;
        }

        var graceMs = (long)_options.CurrentValue.KeyRetirementGrace.TotalMilliseconds;
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var ready = retiring.Where(k => nowMs >= k.RetiredAtMs + graceMs).ToArray();
        if (ready.Length == 0 || !_deepgram.IsConfigured)
        {
            return 0;
        }

        var live = await _leases.LiveAsync(customerId).ConfigureAwait(false);
        var deleted = 0;
        foreach (var key in ready)
        {
            if (live.Any(lease => MayUse(lease.SessionId, key.RetiredAtMs + graceMs)))
            {
                continue;
            }

            try
            {
                var existed = await _deepgram.DeleteAsync(key.DeepgramKeyId, cancellationToken).ConfigureAwait(false);
                await _store.ForgetRetiredAsync(customerId, key.DeepgramKeyId).ConfigureAwait(false);
                _metrics.DeepgramKeyDeletion(deleted: true);
                UpstreamKeyLog.Deleted(_logger, customerId, key.DeepgramKeyId, key.RetiredAtMs, alreadyGone: !existed);
                deleted++;
            }
            catch (DeepgramManagementException ex)
            {
                _metrics.DeepgramKeyDeletion(deleted: false);
                UpstreamKeyLog.DeleteFailed(_logger, customerId, key.DeepgramKeyId, ex.Failure, ex.Message);
            }
        }

        return deleted;
    }

    /// <summary>Whether a live session may present the retired key: opened before <paramref name="untilMs"/>, or of an
    /// id that carries no open instant (kept, to be safe).</summary>
    private static bool MayUse(string sessionId, long untilMs) =>
        !SessionIdTime.TryGetUnixMs(sessionId, out var openedMs) || openedMs < untilMs;
}
