using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Proxy.Customers;
using Proxy.Metering;
using Proxy.Runtime;
using Proxy.Sessions;
using Proxy.Storage;
using Proxy.Telemetry;
using StackExchange.Redis;
using Yarp.ReverseProxy.Forwarder;

using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>
/// The agent endpoint: admits a client (WebSocket handshake, readiness, proxy key, customer), opens the upstream
/// session with the customer's Deepgram key through YARP's forwarder, and records the session when the tunnel ends.
/// Every refusal happens before anything is sent upstream.
/// </summary>
internal sealed class AgentSessionHandler
{
    private readonly IHttpForwarder _forwarder;
    private readonly UpstreamClient _upstream;
    private readonly AgentUpstreamTransformer _transformer;
    private readonly ProxyKeyAuthenticator _authenticator;
    private readonly UpstreamKeyProtector _protector;
    private readonly SessionRegistry _registry;
    private readonly SessionRecorder _recorder;
    private readonly SessionPolicyResolver _policies;
    private readonly SessionLeaseStore _leases;
    private readonly AuthFailureLimiter _authFailures;
    private readonly FrameLimits _clientLimits;
    private readonly Action<AgentSession, TunnelSide, FrameProtocolError> _onViolation;
    private readonly ProxyReadiness _readiness;
    private readonly ProxyInstance _instance;
    private readonly TimeProvider _time;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<AgentSessionHandler> _logger;
    private readonly UpstreamOptions _options;
    private readonly int _settingsCaptureLimit;
    private readonly ForwarderRequestConfig _requestConfig;

    public AgentSessionHandler(
        IHttpForwarder forwarder,
        UpstreamClient upstream,
        AgentUpstreamTransformer transformer,
        ProxyKeyAuthenticator authenticator,
        UpstreamKeyProtector protector,
        SessionRegistry registry,
        SessionRecorder recorder,
        SessionPolicyResolver policies,
        SessionLeaseStore leases,
        AuthFailureLimiter authFailures,
        SessionCloser closer,
        IOptions<LimitsOptions> limits,
        ProxyReadiness readiness,
        ProxyInstance instance,
        TimeProvider time,
        IOptions<UpstreamOptions> options,
        IOptions<MeteringOptions> metering,
        ProxyMetrics metrics,
        ILogger<AgentSessionHandler> logger)
    {
        _forwarder = forwarder;
        _upstream = upstream;
        _transformer = transformer;
        _authenticator = authenticator;
        _protector = protector;
        _registry = registry;
        _recorder = recorder;
        _policies = policies;
        _leases = leases;
        _authFailures = authFailures;
        _clientLimits = limits.Value.ClientFrameLimits();

        // A peer that breaks the protocol ends its session: the proxy closes both sides with the right codes.
        _onViolation = (session, from, error) =>
        {
            metrics.ProtocolViolation(from == TunnelSide.Client ? "client" : "upstream", ProtocolErrorLabel.Of(error));
            GatewayLog.ProtocolViolation(logger, session.SessionId, from.ToString(), error.ToString());
            _ = closer.CloseAsync(session, from == TunnelSide.Client ? ProxyCloseRequests.ClientViolation(error) : ProxyCloseRequests.UpstreamViolation(error));
        };
        _readiness = readiness;
        _instance = instance;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _options = options.Value;
        _settingsCaptureLimit = metering.Value.MaxInspectedSettingsBytes;
        _requestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = _options.ActivityTimeout,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public async Task HandleAsync(HttpContext context)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (!await CheckHandshakeAsync(context, upgrade).ConfigureAwait(false))
        {
            return;
        }

        if (!_readiness.IsReady)
        {
            await RejectAsync(context, StatusCodes.Status503ServiceUnavailable, "not_ready",
                _readiness.IsStopping ? "This proxy instance is shutting down; reconnect." : "The proxy cannot reach its storage yet; retry shortly.").ConfigureAwait(false);
            return;
        }

        var remote = context.Connection.RemoteIpAddress;
        if (_authFailures.IsBlocked(remote, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await RejectAsync(context, StatusCodes.Status429TooManyRequests, "too_many_auth_failures",
                "Too many failed key checks from this address; retry later.").ConfigureAwait(false);
            return;
        }

        var request = context.Request;
        var parsed = ClientCredentialParser.Parse(
            request.Headers.Authorization,
            request.Headers.SecWebSocketProtocol,
            request.Headers["X-Client-Session-Id"],
            request.Query[AgentUpstreamTransformer.ClientSessionIdQueryParameter],
            request.Headers[ClientCredentialParser.DeepgramSessionIdHeader]);
        if (parsed.Credentials is not { } credentials)
        {
            _authFailures.RecordFailure(remote);
            _metrics.AuthFailed("missing_key");
            await RejectAsync(context, StatusCodes.Status401Unauthorized, "missing_key", parsed.Error!).ConfigureAwait(false);
            return;
        }

        KeyAuthenticationResult auth;
        try
        {
            auth = await _authenticator.AuthenticateAsync(credentials.Secret).ConfigureAwait(false);
        }
        catch (StorageUnavailableException ex)
        {
            GatewayLog.KeyLookupFailed(_logger, ex);
            await RejectAsync(context, StatusCodes.Status503ServiceUnavailable, "not_ready", "The proxy cannot reach its storage to check the key; retry shortly.").ConfigureAwait(false);
            return;
        }

        if (auth.Outcome != KeyAuthenticationOutcome.Accepted)
        {
            if (auth.Outcome != KeyAuthenticationOutcome.CustomerDisabled)
            {
                _authFailures.RecordFailure(remote);
            }

            var (status, error, message) = auth.Outcome switch
            {
                KeyAuthenticationOutcome.RevokedKey => (StatusCodes.Status401Unauthorized, "key_revoked", "The proxy key has been revoked."),
                KeyAuthenticationOutcome.ExpiredKey => (StatusCodes.Status401Unauthorized, "key_expired", "The proxy key has expired."),
                KeyAuthenticationOutcome.CustomerDisabled => (StatusCodes.Status403Forbidden, "customer_disabled", "The customer of this key is disabled."),
                _ => (StatusCodes.Status401Unauthorized, "invalid_key", "The proxy key is not valid."),
            };
            _metrics.AuthFailed(error);
            await RejectAsync(context, status, error, message, auth.Key?.KeyId).ConfigureAwait(false);
            return;
        }

        var customer = auth.Customer!;
        var upstreamKey = _options.ApiKey;
        if (auth.ProtectedUpstreamKey is { } protectedKey)
        {
            upstreamKey = _protector.Unprotect(customer.CustomerId, protectedKey);
            if (upstreamKey is null)
            {
                GatewayLog.UpstreamKeyUnreadable(_logger, customer.CustomerId);
                await RejectAsync(context, StatusCodes.Status502BadGateway, "upstream_key_unreadable",
                    "The customer's Deepgram key cannot be used; the operator has been alerted.", auth.Key!.KeyId).ConfigureAwait(false);
                return;
            }
        }

        if (string.IsNullOrEmpty(upstreamKey))
        {
            await RejectAsync(context, StatusCodes.Status502BadGateway, "upstream_key_missing",
                "No Deepgram key is configured for this customer and there is no default (Upstream:ApiKey).", auth.Key!.KeyId).ConfigureAwait(false);
            return;
        }

        await ForwardAsync(context, upgrade!, credentials, auth.Key!, customer, upstreamKey, auth.FromMemory).ConfigureAwait(false);
    }

    private async Task ForwardAsync(HttpContext context, IHttpUpgradeFeature upgrade, ClientCredentials credentials, ProxyKey key, Customer customer, string upstreamKey, bool redisDown)
    {
        var policy = _policies.Resolve(customer.Settings);
        var sessionOptions = _policies.Options;

        // The place is taken before the first await: simultaneous handshakes cannot all see the last free one.
        var slot = _registry.TryReserve(sessionOptions.MaxConcurrentSessionsPerInstance);
        if (slot is null)
        {
            await RejectBusyAsync(context, "instance_full",
                $"This gateway instance holds its maximum of {sessionOptions.MaxConcurrentSessionsPerInstance} sessions.", key.KeyId).ConfigureAwait(false);
            return;
        }

        var slotHandedOver = false;
        try
        {
            var identity = new SessionIdentity(
                Guid.CreateVersion7(_time.GetUtcNow()).ToString(),
                customer.CustomerId,
                key.KeyId,
                customer.Plan,
                _instance.Id,
                credentials.ClientSessionId);
            var (admitted, held, leased) = redisDown
                ? (false, 0L, false)
                : await TryLeaseAsync(identity, sessionOptions, policy).ConfigureAwait(false);
            if (leased)
            {
                // Redis decided; the count here only serves a later fail_open decision.
                _registry.TryCountForCustomer(slot, identity.CustomerId, 0, out _);
            }
            else
            {
                if (!_readiness.FailOpen)
                {
                    await RejectAsync(context, StatusCodes.Status503ServiceUnavailable, "not_ready", "The proxy cannot reach its storage; retry shortly.").ConfigureAwait(false);
                    return;
                }

                // fail_open: the customer's limit holds on this instance alone until Redis is back; the heartbeat
                // then takes the lease. Checked and counted in one step.
                admitted = _registry.TryCountForCustomer(slot, identity.CustomerId, policy.MaxConcurrentSessions, out var localHeld);
                held = localHeld;
            }

            if (!admitted)
            {
                await RejectBusyAsync(context, "concurrency_limit",
                    $"The customer already has {held} live sessions, its maximum of {policy.MaxConcurrentSessions}.", key.KeyId).ConfigureAwait(false);
                return;
            }

            // From here the registry gives the slot back when the session leaves it; a throw before the session
            // got there gives it back below (twice is harmless).
            slotHandedOver = true;
            await ForwardAdmittedAsync(context, upgrade, credentials, identity, policy, upstreamKey, slot).ConfigureAwait(false);
        }
        catch
        {
            slot.Dispose();
            throw;
        }
        finally
        {
            if (!slotHandedOver)
            {
                slot.Dispose();
            }
        }
    }

    private async Task ForwardAdmittedAsync(HttpContext context, IHttpUpgradeFeature upgrade, ClientCredentials credentials, SessionIdentity identity, SessionPolicy policy, string upstreamKey, SessionSlot slot)
    {
        var handoff = context.Features.Get<ConnectionHandoff>()
            ?? throw new InvalidOperationException("Agent sessions need the proxy listener's connection handoff (ConnectionHandoff).");
        var session = new AgentSession(identity, _time, _settingsCaptureLimit, policy, _clientLimits);
        session.AttachAbort(handoff.Abort);
        session.ProtocolViolation = _onViolation;
        context.Features.Set(new AgentSessionFeature(session, credentials, upstreamKey));
        context.Features.Set<IHttpUpgradeFeature>(new MeteredUpgradeFeature(upgrade, handoff, session));

        // Kestrel would otherwise time the connection's drain once the request ends, and cut the handed-off tunnel
        // (the handoff also stops its heartbeat, which runs that timer).
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } minRate)
        {
            minRate.MinDataRate = null;
        }

        _registry.Add(session, slot);
        var tunnelStarted = false;
        try
        {
            ForwarderError error;
            var connectStarted = _time.GetTimestamp();
            try
            {
                // With both sides upgraded, YARP's copy loops find ended placeholders and return at once: the
                // session's own tunnel pumps the real connections once this request has ended.
                error = await _forwarder.SendAsync(context, _upstream.BaseUrl, _upstream.Invoker, _requestConfig, _transformer).ConfigureAwait(false);
            }
            finally
            {
                context.Features.Set(upgrade);
            }

            if (session.UpstreamOpened)
            {
                _metrics.UpstreamConnected(_time.GetElapsedTime(connectStarted, session.UpstreamOpenedTimestamp), "ok");
                if (session.ClientStream is { } client && session.UpstreamStream is { } upstream)
                {
                    handoff.RunAfterRequest(Tunnel(session, client, upstream, handoff.ConnectionClosed));
                    tunnelStarted = true;
                }
            }
            else
            {
                _metrics.UpstreamConnected(_time.GetElapsedTime(connectStarted), session.UpstreamStatus is null ? "failed" : "refused");
                await ReportUpstreamFailureAsync(context, session, error).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!tunnelStarted)
            {
                await EndAsync(session).ConfigureAwait(false);
            }
        }
    }

    // Its own method, so the delegate captures the session's pieces and nothing of the request.
    private Func<Task> Tunnel(AgentSession session, MeteredTunnelStream client, MeteredTunnelStream upstream, CancellationToken clientClosed) =>
        () => RunTunnelAsync(session, client, upstream, clientClosed);

    private async Task RunTunnelAsync(AgentSession session, MeteredTunnelStream client, MeteredTunnelStream upstream, CancellationToken clientClosed)
    {
        try
        {
            await TunnelPump.RunAsync(client, upstream, session, clientClosed).ConfigureAwait(false);
        }
        finally
        {
            // The pump ends on a socket thread, which other sessions' frames are waiting for: the record (JSON,
            // logging, Redis) is written from the thread pool.
            await Task.Yield();
            await EndAsync(session).ConfigureAwait(false);
        }
    }

    /// <summary>Closes what is left of the session's connections and writes its final record.</summary>
    private async Task EndAsync(AgentSession session)
    {
        try
        {
            session.CloseUpstreamConnection();
            session.MarkTunnelEnded();

            // Finalizing also releases the concurrency lease.
            await _recorder.RecordFinalAsync(session).ConfigureAwait(false);
        }
        finally
        {
            // Last: the drain waits for the registry to empty, and by then every record must be final.
            _registry.Remove(session);
            session.Dispose();
        }
    }

    /// <summary>The cluster-wide lease; <c>Leased</c> is false when Redis could not be asked.</summary>
    private async Task<(bool Admitted, long Held, bool Leased)> TryLeaseAsync(SessionIdentity identity, SessionControlOptions options, SessionPolicy policy)
    {
        if (!_readiness.IsRedisConnected)
        {
            return (false, 0, false);
        }

        try
        {
            var (admitted, held) = await _leases.TryAcquireAsync(
                identity.CustomerId, identity.SessionId, options.LeaseTtl, policy.MaxConcurrentSessions).ConfigureAwait(false);
            return (admitted, held, true);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            GatewayLog.KeyLookupFailed(_logger, ex);
            return (false, 0, false);
        }
    }

    private Task RejectBusyAsync(HttpContext context, string error, string message, string keyId)
    {
        context.Response.Headers.RetryAfter = ((int)Math.Max(1, Math.Ceiling(_policies.Options.HeartbeatInterval.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return RejectAsync(context, StatusCodes.Status429TooManyRequests, error, message, keyId);
    }

    private async Task ReportUpstreamFailureAsync(HttpContext context, AgentSession session, ForwarderError error)
    {
        var identity = session.Identity;
        _metrics.AdmissionRejected(AdmissionRejections.Upstream);
        if (session.UpstreamStatus is { } refusedWith)
        {
            // The transformer has already answered 502 with the upstream's status.
            GatewayLog.UpstreamRefused(_logger, identity.SessionId, identity.CustomerId, refusedWith);
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        GatewayLog.UpstreamUnreachable(_logger, identity.SessionId, identity.CustomerId, error.ToString(), exception);
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Response.Clear();
        var message = DescribeConnectFailure(exception);
        await ProxyErrors.WriteAsync(context, StatusCodes.Status502BadGateway, "upstream_unreachable", message).ConfigureAwait(false);
    }

    private static string DescribeConnectFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "The agent API refused the connection.";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData }:
                    return "The agent API's host name could not be resolved.";
                case System.Security.Authentication.AuthenticationException:
                    return "The TLS handshake with the agent API failed.";
                case TimeoutException or TaskCanceledException or OperationCanceledException:
                    return "The agent API did not answer in time.";
            }
        }

        return "The agent API could not be reached.";
    }

    private async Task<bool> CheckHandshakeAsync(HttpContext context, IHttpUpgradeFeature? upgrade)
    {
        var request = context.Request;
        var headers = request.Headers;
        if (!HttpMethods.IsGet(request.Method)
            || !string.Equals(headers.Upgrade.ToString(), "websocket", StringComparison.OrdinalIgnoreCase)
            || upgrade is not { IsUpgradableRequest: true })
        {
            context.Response.Headers.Upgrade = "websocket";
            context.Response.Headers.Connection = "Upgrade";
            await RejectAsync(context, StatusCodes.Status426UpgradeRequired, "websocket_required",
                "This endpoint only accepts WebSocket upgrade requests (GET with Connection: Upgrade, Upgrade: websocket).").ConfigureAwait(false);
            return false;
        }

        if (headers.SecWebSocketVersion.ToString() != "13")
        {
            context.Response.Headers.SecWebSocketVersion = "13";
            await RejectAsync(context, StatusCodes.Status426UpgradeRequired, "unsupported_websocket_version",
                "Only WebSocket version 13 is supported.").ConfigureAwait(false);
            return false;
        }

        if (!IsValidWebSocketKey(headers.SecWebSocketKey.ToString()))
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, "invalid_websocket_key",
                "Sec-WebSocket-Key must be the base64 of 16 bytes.").ConfigureAwait(false);
            return false;
        }

        return true;
    }

    private static bool IsValidWebSocketKey(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }

    private Task RejectAsync(HttpContext context, int status, string error, string message, string? keyId = null)
    {
        GatewayLog.Rejected(_logger, context.Connection.RemoteIpAddress, status, error, keyId);
        _metrics.AdmissionRejected(AdmissionRejections.ReasonFor(error, _readiness.IsStopping));
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Token";
        }

        return ProxyErrors.WriteAsync(context, status, error, message);
    }
}
