using Proxy.Sessions;

namespace Proxy.Tests.Sessions;

public sealed class ProxyCloseRequestsTests
{
    [Fact]
    public void Idle_timeout_closes_with_1000_and_names_the_timeout()
    {
        var request = ProxyCloseRequests.IdleTimeout(TimeSpan.FromSeconds(30));

        Assert.Equal(
            new ProxyCloseRequest("idle_timeout", "SESSION_IDLE_TIMEOUT", "No activity for 30 s: the session was closed so it stops being billed.", 1000),
            request);
    }

    [Fact]
    public void Max_duration_closes_with_1000_and_names_the_maximum()
    {
        var request = ProxyCloseRequests.MaxDuration(TimeSpan.FromMinutes(115));

        Assert.Equal(
            new ProxyCloseRequest("max_duration", "SESSION_MAX_DURATION", "The session reached its maximum duration of 1.92 h.", 1000),
            request);
    }

    [Fact]
    public void Admin_close_and_key_revocation_close_with_1000_as_closed_by_admin()
    {
        Assert.Equal("admin_closed", ProxyCloseRequests.AdminClosed.CloseReason);
        Assert.Equal("SESSION_CLOSED_BY_ADMIN", ProxyCloseRequests.AdminClosed.ErrorCode);
        Assert.Equal(1000, ProxyCloseRequests.AdminClosed.ClientCloseCode);
        Assert.Equal("The session was closed by an administrator.", ProxyCloseRequests.AdminClosed.Description);

        Assert.Equal("key_revoked", ProxyCloseRequests.KeyRevoked.CloseReason);
        Assert.Equal("SESSION_CLOSED_BY_ADMIN", ProxyCloseRequests.KeyRevoked.ErrorCode);
        Assert.Equal(1000, ProxyCloseRequests.KeyRevoked.ClientCloseCode);
        Assert.Equal("The key this session was opened with has been revoked.", ProxyCloseRequests.KeyRevoked.Description);
    }

    [Fact]
    public void Shutdown_closes_with_1012_so_clients_reconnect()
    {
        Assert.Equal("shutdown", ProxyCloseRequests.Shutdown.CloseReason);
        Assert.Equal("SERVER_SHUTDOWN", ProxyCloseRequests.Shutdown.ErrorCode);
        Assert.Equal(1012, ProxyCloseRequests.Shutdown.ClientCloseCode);
        Assert.Equal("This gateway instance is shutting down; reconnect to continue.", ProxyCloseRequests.Shutdown.Description);
    }

    [Theory]
    [InlineData(0, "0 s")]
    [InlineData(1_500, "1.5 s")]
    [InlineData(10_000, "10 s")]
    [InlineData(59_999, "59.999 s")]
    [InlineData(60_000, "1 min")]
    [InlineData(90_000, "1.5 min")]
    [InlineData(3_599_000, "59.98 min")]
    [InlineData(3_600_000, "1 h")]
    [InlineData(6_900_000, "1.92 h")]
    [InlineData(86_400_000, "24 h")]
    public void Durations_are_described_in_seconds_minutes_or_hours(long ms, string expected)
    {
        Assert.Equal(expected, ProxyCloseRequests.Describe(TimeSpan.FromMilliseconds(ms)));
    }
}
