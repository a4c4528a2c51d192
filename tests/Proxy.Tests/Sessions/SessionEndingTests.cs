using Microsoft.Extensions.Time.Testing;
using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Tunnel;

namespace Proxy.Tests.Sessions;

public sealed class SessionEndingTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Only_the_first_end_of_each_side_counts_and_the_first_side_decides_a_close_without_close_frames()
    {
        var ending = new SessionEnding(_time);
        var opened = _time.GetTimestamp();
        _time.Advance(TimeSpan.FromMilliseconds(1500));
        ending.MarkEnded(TunnelSide.Upstream);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        ending.MarkEnded(TunnelSide.Client);
        _time.Advance(TimeSpan.FromSeconds(5));
        ending.MarkEnded(TunnelSide.Upstream);
        ending.MarkEnded(TunnelSide.Client);

        var end = ending.Describe(upstreamOpened: true, opened, proxyClose: null);
        var start = new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        Assert.Equal(start + 1500, end.UpstreamClosedAtMs);
        Assert.Equal(start + 1520, end.ClientClosedAtMs);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), end.UpstreamConnected);
        Assert.Equal(CloseReasons.UpstreamError, end.CloseReason);
    }

    [Fact]
    public void The_first_close_frame_keeps_its_origin_and_code_and_later_ones_do_not_replace_them()
    {
        var ending = new SessionEnding(_time);
        Assert.True(ending.TryClaimFirstClose(CloseOrigin.Client, 1000));
        Assert.False(ending.TryClaimFirstClose(CloseOrigin.Proxy, 1008));
        ending.MarkEnded(TunnelSide.Client);

        var end = ending.Describe(upstreamOpened: true, _time.GetTimestamp(), proxyClose: null);
        Assert.Equal(CloseOrigin.Client, ending.FirstClose);
        Assert.Equal((1000, CloseInitiators.Client), (end.CloseCode, end.CloseInitiator));
    }

    [Fact]
    public async Task Waiting_for_the_upstreams_end_returns_true_once_it_ended_and_false_after_the_grace()
    {
        var ending = new SessionEnding(_time);
        var waiting = ending.WaitForUpstreamEndAsync(TimeSpan.FromSeconds(2));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));

        waiting = ending.WaitForUpstreamEndAsync(TimeSpan.FromSeconds(2));
        ending.MarkEnded(TunnelSide.Upstream);
        Assert.True(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
