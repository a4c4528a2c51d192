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

    public UpstreamObserverHandler(HttpMessageHandler inner, SessionRecorder recorder)
        : base(inner)
    {
        _recorder = recorder;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!request.Options.TryGetValue(SessionOption, out var session))
        {
            return response;
        }

        if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
        {
            session.MarkUpstreamRefused((int)response.StatusCode);
            return response;
        }

        session.MarkUpstreamOpened();
        var original = response.Content;
        var stream = await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        response.Content = new UpgradedTunnelContent(new MeteredTunnelStream(stream, session, TunnelSide.Upstream), original);
        _recorder.RecordOpened(session);
        return response;
    }
}
