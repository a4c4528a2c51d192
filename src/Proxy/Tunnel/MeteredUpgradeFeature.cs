using Microsoft.AspNetCore.Http.Features;
using Proxy.Sessions;

namespace Proxy.Tunnel;

/// <summary>
/// Stands in for the request's upgrade feature while the forwarder runs, the way YARP's own WebSocket telemetry does.
/// Kestrel writes the 101; the connection is then handed off (<see cref="ConnectionHandoff"/>): the session's client
/// side is a <see cref="MeteredTunnelStream"/> on the connection's own pipe (<see cref="ConnectionPipeStream"/>), and
/// the forwarder gets an already-ended stream, so its copy loops return at once.
/// </summary>
internal sealed class MeteredUpgradeFeature : IHttpUpgradeFeature
{
    private readonly IHttpUpgradeFeature _inner;
    private readonly ConnectionHandoff _handoff;
    private readonly AgentSession _session;

    public MeteredUpgradeFeature(IHttpUpgradeFeature inner, ConnectionHandoff handoff, AgentSession session)
    {
        _inner = inner;
        _handoff = handoff;
        _session = session;
    }

    public bool IsUpgradableRequest => _inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        await _inner.UpgradeAsync().ConfigureAwait(false);
        _handoff.HandOff();

        // The metered stream registers itself with the session, which the tunnel takes it from.
        _ = new MeteredTunnelStream(new ConnectionPipeStream(_handoff.Transport), _session, TunnelSide.Client);
        return HandedOffStream.Instance;
    }
}
