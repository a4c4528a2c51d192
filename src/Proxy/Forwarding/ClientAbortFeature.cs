using Microsoft.AspNetCore.Http.Features;
using Proxy.Sessions;

namespace Proxy.Forwarding;

/// <summary>
/// The request's abort token as the forwarder sees it, fired only once the session has noted that the client went
/// away. Cancellation callbacks run last-registered first, so YARP's own (registered inside the forwarder, after
/// anything the handler registers) would otherwise tear the tunnel down – and end the upstream – before the session
/// learns that the client left first, and now and then a client reset would be recorded as an upstream error.
/// </summary>
internal sealed class ClientAbortFeature : IHttpRequestLifetimeFeature, IDisposable
{
    private readonly IHttpRequestLifetimeFeature _inner;
    private readonly AgentSession _session;
    private readonly CancellationTokenSource _aborted = new();
    private readonly CancellationTokenRegistration _registration;

    public ClientAbortFeature(IHttpRequestLifetimeFeature inner, AgentSession session)
    {
        _inner = inner;
        _session = session;
        _registration = inner.RequestAborted.Register(static state => ((ClientAbortFeature)state!).OnClientAborted(), this);
    }

    public CancellationToken RequestAborted
    {
        get => _aborted.Token;
        set => throw new NotSupportedException("The agent endpoint's abort token is not replaceable.");
    }

    public void Abort() => _inner.Abort();

    public void Dispose()
    {
        _registration.Dispose();
        _aborted.Dispose();
    }

    private void OnClientAborted()
    {
        _session.MarkEnded(TunnelSide.Client);
        _aborted.Cancel();
    }
}
