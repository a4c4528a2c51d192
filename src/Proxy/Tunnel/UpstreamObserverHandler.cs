using System.Net;

namespace Proxy.Tunnel;

/// <summary>
/// Sits between the forwarder and the upgrade handler (<see cref="UpstreamUpgradeHandler"/>). It marks the instant the upstream accepted the session (the
/// start of what Deepgram bills) and hands the upgraded upstream connection, metered, to the session's tunnel.
/// </summary>
internal sealed class UpstreamObserverHandler : DelegatingHandler
{
    public static readonly HttpRequestOptionsKey<SessionTunnel> TunnelOption = new("dgproxy.tunnel");

    private readonly TimeSpan _connectTimeout;
    private readonly TimeProvider _time;

    public UpstreamObserverHandler(HttpMessageHandler inner, TimeSpan connectTimeout, TimeProvider time)
        : base(inner)
    {
        _connectTimeout = connectTimeout;
        _time = time;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(TunnelOption, out var tunnel))
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        HttpResponseMessage response;

        // The whole upgrade (TCP, TLS, the 101) within the connect timeout: an upstream that accepts the connection
        // and never answers must not hold the client forever.
        using var timeout = new CancellationTokenSource(_connectTimeout, _time);
        using var upgrade = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            response = await base.SendAsync(request, upgrade.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The upstream did not answer the upgrade within {_connectTimeout}.", ex);
        }

        if (response.StatusCode != HttpStatusCode.SwitchingProtocols)
        {
            tunnel.Observer.OnUpstreamRefused((int)response.StatusCode);
            return response;
        }

        // The upstream's clock started when it sent the 101: use the instant its first bytes reached the socket,
        // not the later one at which HTTP parsing finished.
        var connection = request.Options.TryGetValue(UpstreamUpgradeHandler.ConnectionOption, out var handed)
            ? handed
            : throw new InvalidOperationException("A 101 came without the upgrade handler's connection.");
        tunnel.Observer.OnUpstreamOpened(connection.FirstResponseTimestamp, connection.FirstResponseAtMs);
        connection.Attach(tunnel.Observer);
        tunnel.AttachUpstreamConnection(connection);

        // The tunnel's pump runs the connection from now on; the forwarder gets an ended stream.
        tunnel.Attach(TunnelSide.Upstream, await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        response.Content = new UpgradedTunnelContent(HandedOffStream.Instance);
        return response;
    }
}
