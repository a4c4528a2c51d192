using Proxy.Sessions;

using Proxy.Tunnel;

namespace Proxy.Tests.Sessions;

public sealed class SessionCloseRulesTests
{
    [Theory]
    [InlineData((int)CloseOrigin.Client, false, true, (int)TunnelSide.Upstream, "client_closed")]
    [InlineData((int)CloseOrigin.Upstream, false, true, (int)TunnelSide.Client, "upstream_closed")]
    [InlineData((int)CloseOrigin.None, false, true, (int)TunnelSide.Client, "client_error")]
    [InlineData((int)CloseOrigin.None, false, true, (int)TunnelSide.Upstream, "upstream_error")]
    [InlineData((int)CloseOrigin.Client, false, false, (int)TunnelSide.Client, "upstream_error")]
    [InlineData((int)CloseOrigin.Proxy, true, true, (int)TunnelSide.Upstream, "idle_timeout")]
    [InlineData((int)CloseOrigin.None, true, true, (int)TunnelSide.Client, "idle_timeout")]
    [InlineData((int)CloseOrigin.None, true, false, (int)TunnelSide.Client, "idle_timeout")]
    [InlineData((int)CloseOrigin.Upstream, true, true, (int)TunnelSide.Upstream, "upstream_closed")]
    public void The_reason_follows_the_first_close_the_proxys_decision_and_the_first_drop(
        int firstClose, bool proxyClosed, bool upstreamOpened, int firstEnded, string expected)
    {
        var proxyClose = proxyClosed ? ProxyCloseRequests.IdleTimeout(TimeSpan.FromSeconds(30)) : null;

        Assert.Equal(expected, SessionCloseRules.Reason((CloseOrigin)firstClose, proxyClose, upstreamOpened, (TunnelSide)firstEnded));
    }

    [Theory]
    [InlineData((int)CloseOrigin.Client, 4000, 4000, "client")]
    [InlineData((int)CloseOrigin.Upstream, 1011, 1011, "upstream")]
    [InlineData((int)CloseOrigin.Proxy, 1000, 1000, "proxy")]
    [InlineData((int)CloseOrigin.None, 0, 1006, "none")]
    public void Code_and_initiator_are_the_first_closes_or_a_dropped_connection(int firstClose, int seenCode, int expectedCode, string expectedInitiator)
    {
        Assert.Equal(expectedCode, SessionCloseRules.Code((CloseOrigin)firstClose, seenCode));
        Assert.Equal(expectedInitiator, SessionCloseRules.Initiator((CloseOrigin)firstClose));
    }
}
