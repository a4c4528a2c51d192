using System.Net;
using Proxy.Metering;
using Proxy.Sessions;

namespace Proxy.Forwarding;

/// <summary>
/// Sits between the forwarder and the socket handler. It marks the instant the upstream accepted the session (the
/// start of what Deepgram bills) and gives the forwarder a metered upstream stream.
/// </summary>
internal sealed class UpstreamObserverHandler : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<AgentSession> SessionOption = new("dgproxy.session");

    private readonly SessionRecorder _recorder;
    private readonly TimeProvider _time;
    private readonly TimeSpan _connectTimeout;

    public UpstreamObserverHandler(HttpMessageHandler inner, SessionRecorder recorder, TimeProvider time, TimeSpan connectTimeout)
        : base(inner)
    {
        _recorder = recorder;
        _time = time;
        _connectTimeout = connectTimeout;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(SessionOption, out var session))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var probe = new UpstreamConnectionProbe();
        UpstreamConnectionProbe.Current = probe;
        HttpResponseMessage response;

        // The whole upgrade (TCP, TLS, the 101) within the connect timeout: an upstream that accepts the connection
        // and never answers must not hold the client forever.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_connectTimeout);
        try
        {
            response = await base.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The upstream did not answer the upgrade within {_connectTimeout}.", ex);
        }
        finally
        {
            UpstreamConnectionProbe.Current = null;
        }

        if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
        {
            session.MarkUpstreamRefused((int)response.StatusCode);
            return response;
        }

        // The upstream's clock started when it sent the 101: use the instant its first bytes reached the socket,
        // not the later one at which HTTP parsing finished.
        if (probe.Connection is { } connection)
        {
            session.MarkUpstreamOpened(probe.FirstResponseTimestamp, probe.FirstResponseAtMs);
            connection.Attach(session);
            session.AttachUpstreamConnection(connection);
        }
        else
        {
            session.MarkUpstreamOpened(_time.GetTimestamp(), _time.GetUtcNow().ToUnixTimeMilliseconds());
        }

        var original = response.Content;
        var stream = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        response.Content = new UpgradedTunnelContent(new MeteredTunnelStream(stream, session, TunnelSide.Upstream), original);
        _recorder.RecordOpened(session);
        return response;
    }
}
