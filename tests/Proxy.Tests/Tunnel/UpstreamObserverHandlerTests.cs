using Microsoft.Extensions.Time.Testing;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Tests.Sessions;

namespace Proxy.Tests.Tunnel;

/// <summary>The connect timeout of the upstream upgrade (TCP, TLS, the 101) runs on the injected clock.</summary>
public sealed class UpstreamObserverHandlerTests : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(SessionFrames.Start);
    private readonly AgentSession _session;
    private readonly HttpMessageInvoker _invoker;

    public UpstreamObserverHandlerTests()
    {
        _session = new AgentSession(SessionFrames.Identity, _time, 1024, new SessionPolicy());
        _invoker = new HttpMessageInvoker(new UpstreamObserverHandler(new SilentUpstream(), ConnectTimeout, _time));
    }

    public void Dispose()
    {
        _invoker.Dispose();
        _session.Dispose();
    }

    [Fact]
    public async Task An_upstream_that_never_answers_fails_the_upgrade_with_a_timeout_at_the_connect_timeout()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:9/v1/agent/converse");
        request.Options.Set(UpstreamObserverHandler.TunnelOption, _session.Tunnel);
        var upgrade = _invoker.SendAsync(request, CancellationToken.None);

        _time.Advance(ConnectTimeout - TimeSpan.FromMilliseconds(1));
        await Task.Delay(50);
        Assert.False(upgrade.IsCompleted);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var failure = await Assert.ThrowsAsync<TimeoutException>(() => upgrade.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Contains("did not answer the upgrade", failure.Message, StringComparison.Ordinal);
        Assert.False(_session.UpstreamOpened);
    }

    [Fact]
    public async Task A_client_that_goes_away_cancels_the_upgrade_without_calling_it_a_timeout()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:9/v1/agent/converse");
        request.Options.Set(UpstreamObserverHandler.TunnelOption, _session.Tunnel);
        using var clientGone = new CancellationTokenSource();
        var upgrade = _invoker.SendAsync(request, clientGone.Token);

        await clientGone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upgrade.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    /// <summary>Accepts the upgrade request and never answers.</summary>
    private sealed class SilentUpstream : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
