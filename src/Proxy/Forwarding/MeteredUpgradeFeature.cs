using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Proxy.Sessions;

namespace Proxy.Forwarding;

/// <summary>
/// Stands in for the request's upgrade feature while the forwarder runs, the way YARP's own WebSocket telemetry does,
/// so the tunnel's client side is a <see cref="MeteredTunnelStream"/>. Kestrel writes the 101; the tunnel then runs on
/// the connection's own pipe (<see cref="ConnectionPipeStream"/>) rather than on the stream Kestrel returns.
/// </summary>
internal sealed class MeteredUpgradeFeature : IHttpUpgradeFeature
{
    private readonly IHttpUpgradeFeature _inner;
    private readonly IConnectionTransportFeature? _transport;
    private readonly AgentSession _session;

    public MeteredUpgradeFeature(IHttpUpgradeFeature inner, IConnectionTransportFeature? transport, AgentSession session)
    {
        _inner = inner;
        _transport = transport;
        _session = session;
    }

    public bool IsUpgradableRequest => _inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        var stream = await _inner.UpgradeAsync().ConfigureAwait(false);
        if (_transport is { Transport: { } pipe })
        {
            stream = new ConnectionPipeStream(pipe);
        }

        return new MeteredTunnelStream(stream, _session, TunnelSide.Client);
    }
}
