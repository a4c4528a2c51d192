using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Proxy.Sessions;
using Proxy.Telemetry;
using Proxy.Tunnel;
using Yarp.ReverseProxy.Forwarder;

namespace Proxy.Gateway;

/// <summary>
/// Opens an admitted session upstream with YARP's forwarder, starts its tunnel once both sides are upgraded, and
/// finishes it (record, registry) when the tunnel ends or the upstream never opened.
/// </summary>
internal sealed class SessionForwarder
{
    private readonly IHttpForwarder _forwarder;
    private readonly UpstreamClient _upstream;
    private readonly AgentUpstreamTransformer _transformer;
    private readonly SessionRegistry _registry;
    private readonly SessionRecorder _recorder;
    private readonly SessionFinisher _finisher;
    private readonly ProtocolViolationResponder _violations;
    private readonly GatewayServices _services;
    private readonly FrameLimits _clientLimits;
    private readonly int _settingsCaptureLimit;
    private readonly ForwarderRequestConfig _requestConfig;

    public SessionForwarder(
        IHttpForwarder forwarder,
        UpstreamClient upstream,
        AgentUpstreamTransformer transformer,
        SessionRegistry registry,
        SessionRecorder recorder,
        SessionFinisher finisher,
        ProtocolViolationResponder violations,
        GatewayServices services,
        SessionStartSettings settings)
    {
        _forwarder = forwarder;
        _upstream = upstream;
        _transformer = transformer;
        _registry = registry;
        _recorder = recorder;
        _finisher = finisher;
        _violations = violations;
        _services = services;
        _clientLimits = settings.ClientLimits;
        _settingsCaptureLimit = settings.SettingsCaptureLimit;
        _requestConfig = new ForwarderRequestConfig
        {
            ActivityTimeout = settings.ActivityTimeout,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public async Task ForwardAsync(HttpContext context, AdmissionRequest admitted)
    {
        var upgrade = admitted.Upgrade ?? throw new InvalidOperationException("The handshake step has not run.");
        var identity = admitted.Identity ?? throw new InvalidOperationException("The lease step has not run.");
        var handoff = context.Features.Get<ConnectionHandoff>()
            ?? throw new InvalidOperationException("Agent sessions need the proxy listener's connection handoff (ConnectionHandoff).");
        var session = new AgentSession(identity, _services.Time, _settingsCaptureLimit, admitted.Policy!, _clientLimits)
        {
            UpstreamKeyLeaseHeld = admitted.UpstreamKeyLeased,
        };
        session.Tunnel.AttachAbort(handoff.Abort);
        session.ProtocolViolation = _violations.Respond;
        context.Features.Set(new AgentSessionFeature(session, admitted.Credentials!, admitted.UpstreamKey!));
        context.Features.Set<IHttpUpgradeFeature>(new MeteredUpgradeFeature(upgrade, handoff, session.Tunnel));

        // Kestrel would otherwise time the connection's drain once the request ends, and cut the handed-off tunnel
        // (the handoff also stops its heartbeat, which runs that timer).
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } minRate)
        {
            minRate.MinDataRate = null;
        }

        // From here the registry gives the slot back when the session leaves it.
        _registry.Add(session, admitted.Slot);
        admitted.Slot = null;
        var tunnelStarted = false;
        try
        {
            ForwarderError error;
            var connectStarted = _services.Time.GetTimestamp();
            try
            {
                // With both sides upgraded, YARP's copy loops find ended placeholders and return at once: the
                // session's own tunnel pumps the real connections once this request has ended.
                error = await _forwarder.SendAsync(context, admitted.UpstreamBaseUrl ?? _upstream.BaseUrl, _upstream.Invoker, _requestConfig, _transformer).ConfigureAwait(false);
            }
            finally
            {
                context.Features.Set(upgrade);
            }

            if (session.UpstreamOpened)
            {
                _services.Metrics.UpstreamConnected(_services.Time.GetElapsedTime(connectStarted, session.UpstreamOpenedTimestamp), "ok");
                _recorder.RecordOpened(session);
                if (session.Tunnel is { ClientStream: not null, UpstreamStream: not null })
                {
                    handoff.RunAfterRequest(Tunnel(session, handoff.ConnectionClosed));
                    tunnelStarted = true;
                }
            }
            else
            {
                _services.Metrics.UpstreamConnected(_services.Time.GetElapsedTime(connectStarted), UpstreamConnectResult(session.UpstreamStatus));
                await ReportUpstreamFailureAsync(context, session, error).ConfigureAwait(false);
            }
        }
        finally
        {
            if (!tunnelStarted)
            {
                await _finisher.FinishAsync(session).ConfigureAwait(false);
            }
        }
    }

    // Its own method, so the delegate captures the session and nothing of the request.
    private Func<Task> Tunnel(AgentSession session, CancellationToken clientClosed) => () => RunTunnelAsync(session, clientClosed);

    private async Task RunTunnelAsync(AgentSession session, CancellationToken clientClosed)
    {
        try
        {
            var result = await TunnelPump.RunAsync(session.Tunnel, clientClosed).ConfigureAwait(false);
            GatewayLog.TunnelEnded(_services.Logger, session.SessionId, result.FirstEnded, result.ClientToUpstream, result.UpstreamToClient);
        }
        finally
        {
            // The pump ends on a socket thread, which other sessions' frames are waiting for: the record (JSON,
            // logging, Redis) is written from the thread pool.
            await Task.Yield();
            await _finisher.FinishAsync(session).ConfigureAwait(false);
        }
    }

    private async Task ReportUpstreamFailureAsync(HttpContext context, AgentSession session, ForwarderError error)
    {
        var identity = session.Identity;
        _services.Metrics.AdmissionRejected(session.UpstreamStatus == StatusCodes.Status429TooManyRequests ? AdmissionRejections.UpstreamRateLimited : AdmissionRejections.Upstream);
        if (session.UpstreamStatus is { } refusedWith)
        {
            // The transformer has already answered (UpstreamRefusalAnswer).
            GatewayLog.UpstreamRefused(_services.Logger, identity.SessionId, identity.CustomerId, refusedWith);
            return;
        }

        var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        GatewayLog.UpstreamUnreachable(_services.Logger, identity.SessionId, identity.CustomerId, error.ToString(), exception);
        if (context.Response.HasStarted || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        context.Response.Clear();
        await ProxyErrors.WriteAsync(context, StatusCodes.Status502BadGateway, "upstream_unreachable", DescribeConnectFailure(exception)).ConfigureAwait(false);
    }

    /// <summary>The <c>result</c> label of a connect that did not open: no answer, Deepgram's 429, or another status.</summary>
    private static string UpstreamConnectResult(int? upstreamStatus) => upstreamStatus switch
    {
        null => "failed",
        StatusCodes.Status429TooManyRequests => "rate_limited",
        _ => "refused",
    };

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
}
