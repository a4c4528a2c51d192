using Microsoft.AspNetCore.Http.Features;
using Proxy.Sessions;

namespace Proxy.Forwarding;

/// <summary>
/// Stands in for the request's upgrade feature while the forwarder runs, the way YARP's own WebSocket telemetry does,
/// so the tunnel's client side is a <see cref="MeteredTunnelStream"/>.
/// </summary>
internal sealed class MeteredUpgradeFeature : IHttpUpgradeFeature
{
    private readonly IHttpUpgradeFeature _inner;
    private readonly AgentSession _session;

    public MeteredUpgradeFeature(IHttpUpgradeFeature inner, AgentSession session)
    {
        _inner = inner;
        _session = session;
    }

    public bool IsUpgradableRequest => _inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        var stream = await _inner.UpgradeAsync().ConfigureAwait(false);
        return new MeteredTunnelStream(stream, _session, TunnelSide.Client);
    }
}
