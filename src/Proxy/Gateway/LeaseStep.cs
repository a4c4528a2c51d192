using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Metering;
using Proxy.Runtime;
using Proxy.Sessions;
using Proxy.Storage;

namespace Proxy.Gateway;

/// <summary>
/// A place on this instance, then, cluster-wide (Redis decides), a lease under the Deepgram key's cap
/// (<c>Limits:MaxSessionsPerUpstreamKey</c>) and a lease under the customer's concurrency limit. With Redis
/// unreachable and <c>Storage:FailureMode</c> fail_open, each limit holds on this instance alone until the heartbeat
/// takes the lease; fail_closed refuses.
/// </summary>
internal sealed class LeaseStep : IAdmissionStep
{
    private readonly SessionRegistry _registry;
    private readonly SessionLeaseStore _leases;
    private readonly UpstreamKeyLeaseStore _upstreamKeyLeases;
    private readonly SessionPolicyResolver _policies;
    private readonly ProxyReadiness _readiness;
    private readonly ProxyInstance _instance;
    private readonly IOptions<LimitsOptions> _limits;
    private readonly TimeProvider _time;
    private readonly ILogger<LeaseStep> _logger;

    public LeaseStep(
        SessionRegistry registry,
        SessionLeaseStore leases,
        UpstreamKeyLeaseStore upstreamKeyLeases,
        SessionPolicyResolver policies,
        ProxyReadiness readiness,
        ProxyInstance instance,
        IOptions<LimitsOptions> limits,
        TimeProvider time,
        ILogger<LeaseStep> logger)
    {
        _registry = registry;
        _leases = leases;
        _upstreamKeyLeases = upstreamKeyLeases;
        _policies = policies;
        _readiness = readiness;
        _instance = instance;
        _limits = limits;
        _time = time;
        _logger = logger;
    }

    public async ValueTask<AdmissionRefusal?> RunAsync(AdmissionRequest request)
    {
        var options = _policies.Options;
        var policy = request.Policy ?? throw new InvalidOperationException("The customer step has not run.");
        var key = request.Key;

        // The place is taken before the first await: simultaneous handshakes cannot all see the last free one.
        var slot = _registry.TryReserve(options.MaxConcurrentSessionsPerInstance);
        if (slot is null)
        {
            return Busy("instance_full", $"This gateway instance holds its maximum of {options.MaxConcurrentSessionsPerInstance} sessions.", key.KeyId);
        }

        // From here the pipeline gives the slot back if admission ends without a session.
        request.Slot = slot;
        var identity = new SessionIdentity(
            Guid.CreateVersion7(_time.GetUtcNow()).ToString(),
            request.Customer.CustomerId,
            key.KeyId,
            request.Customer.Plan,
            _instance.Id,
            request.Credentials?.ClientSessionId)
        {
            Credential = request.Credentials?.IsAccessToken == true ? CredentialKinds.Token : CredentialKinds.Key,
        };
        var redisDown = request.Authentication?.FromMemory == true;

        // Before the customer's lease: the key's cap is the wider one, and a refusal here takes no customer lease.
        var perUpstreamKey = _limits.Value.MaxSessionsPerUpstreamKey;
        if (perUpstreamKey > 0)
        {
            var fingerprint = UpstreamKeyFingerprint.Of(request.UpstreamKey ?? throw new InvalidOperationException("The upstream key step has not run."));
            var (keyAdmitted, keyHeld, keyLeased) = redisDown
                ? (false, 0L, false)
                : await TryLeaseUpstreamKeyAsync(fingerprint, identity.SessionId, options.LeaseTtl, perUpstreamKey).ConfigureAwait(false);
            if (keyLeased)
            {
                // Redis decided; the count here only serves a later fail_open decision.
                _registry.TryCountForUpstreamKey(slot, fingerprint, 0, out _);
            }
            else
            {
                if (StorageUnreachable.Refusal(_readiness, key.KeyId) is { } refusal)
                {
                    return refusal;
                }

                // fail_open: the cap holds on this instance alone until Redis is back; the heartbeat then takes the
                // lease. Checked and counted in one step.
                keyAdmitted = _registry.TryCountForUpstreamKey(slot, fingerprint, perUpstreamKey, out var localHeld);
                keyHeld = localHeld;
            }

            if (!keyAdmitted)
            {
                return Busy("upstream_concurrency_limit", $"The customer's Deepgram key already carries {keyHeld} live sessions, its maximum of {perUpstreamKey}.", key.KeyId);
            }

            identity = identity with { UpstreamKeyFingerprint = fingerprint };
            request.UpstreamKeyLeased = keyLeased;
        }

        var (admitted, held, leased) = redisDown
            ? (false, 0L, false)
            : await TryLeaseAsync(identity, options.LeaseTtl, policy.MaxConcurrentSessions).ConfigureAwait(false);
        if (leased)
        {
            // Redis decided; the count here only serves a later fail_open decision.
            _registry.TryCountForCustomer(slot, identity.CustomerId, 0, out _);
        }
        else
        {
            if (StorageUnreachable.Refusal(_readiness, key.KeyId) is { } refusal)
            {
                await ReleaseUpstreamKeyLeaseAsync(request, identity).ConfigureAwait(false);
                return refusal;
            }

            // fail_open: the customer's limit holds on this instance alone until Redis is back; the heartbeat then
            // takes the lease. Checked and counted in one step.
            admitted = _registry.TryCountForCustomer(slot, identity.CustomerId, policy.MaxConcurrentSessions, out var localHeld);
            held = localHeld;
        }

        if (!admitted)
        {
            await ReleaseUpstreamKeyLeaseAsync(request, identity).ConfigureAwait(false);
            return Busy("concurrency_limit", $"The customer already has {held} live sessions, its maximum of {policy.MaxConcurrentSessions}.", key.KeyId);
        }

        request.Identity = identity;
        return null;
    }

    /// <summary>The key's cluster-wide lease; <c>Leased</c> is false when Redis could not be asked.</summary>
    private async Task<(bool Admitted, long Held, bool Leased)> TryLeaseUpstreamKeyAsync(string fingerprint, string sessionId, TimeSpan ttl, int limit)
    {
        if (!_readiness.IsRedisConnected)
        {
            return (false, 0, false);
        }

        try
        {
            var (admitted, held) = await _upstreamKeyLeases.TryAcquireAsync(fingerprint, sessionId, ttl, limit).ConfigureAwait(false);
            return (admitted, held, true);
        }
        catch (StorageUnavailableException ex)
        {
            GatewayLog.KeyLookupFailed(_logger, ex);
            return (false, 0, false);
        }
    }

    // The customer refused the session after the key gave it a place: the place goes back at once rather than
    // blocking the key until the lease expires. If Redis does not take it back, it expires all the same.
    private async Task ReleaseUpstreamKeyLeaseAsync(AdmissionRequest request, SessionIdentity identity)
    {
        if (!request.UpstreamKeyLeased || identity.UpstreamKeyFingerprint is not { } fingerprint)
        {
            return;
        }

        request.UpstreamKeyLeased = false;
        try
        {
            await _upstreamKeyLeases.ReleaseAsync(fingerprint, identity.SessionId).ConfigureAwait(false);
        }
        catch (StorageUnavailableException ex)
        {
            GatewayLog.KeyLookupFailed(_logger, ex);
        }
    }

    /// <summary>The cluster-wide lease; <c>Leased</c> is false when Redis could not be asked.</summary>
    private async Task<(bool Admitted, long Held, bool Leased)> TryLeaseAsync(SessionIdentity identity, TimeSpan ttl, int limit)
    {
        if (!_readiness.IsRedisConnected)
        {
            return (false, 0, false);
        }

        try
        {
            var (admitted, held) = await _leases.TryAcquireAsync(identity.CustomerId, identity.SessionId, ttl, limit).ConfigureAwait(false);
            return (admitted, held, true);
        }
        catch (StorageUnavailableException ex)
        {
            GatewayLog.KeyLookupFailed(_logger, ex);
            return (false, 0, false);
        }
    }

    // A busy customer or instance is told when a place may have come free: at the next heartbeat.
    private AdmissionRefusal Busy(string error, string message, string keyId) =>
        new(StatusCodes.Status429TooManyRequests, error, message)
        {
            KeyId = keyId,
            RetryAfterSeconds = (int)Math.Max(1, Math.Ceiling(_policies.Options.HeartbeatInterval.TotalSeconds)),
        };
}
