using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Gateway;

public sealed class AuthFailureLimiterTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void An_address_is_blocked_at_the_limit_until_its_window_ends()
    {
        var limiter = Limiter(limit: 3);
        var client = IPAddress.Parse("203.0.113.7");
        Fail(limiter, client, 2);
        Assert.False(limiter.IsBlocked(client, out _));

        _time.Advance(TimeSpan.FromSeconds(20));
        Fail(limiter, client, 1);
        Assert.True(limiter.IsBlocked(client, out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(40), retryAfter);

        _time.Advance(TimeSpan.FromSeconds(40) - TimeSpan.FromMilliseconds(1));
        Assert.True(limiter.IsBlocked(client, out retryAfter));
        Assert.Equal(TimeSpan.FromMilliseconds(1), retryAfter);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(limiter.IsBlocked(client, out _));

        // A new window starts with the next failure.
        Fail(limiter, client, 2);
        Assert.False(limiter.IsBlocked(client, out _));
    }

    [Fact]
    public void Addresses_of_one_ipv6_64_share_one_budget()
    {
        // One host owns a /64 (SLAAC, privacy addresses): counting per address would give it 2^64 budgets.
        var limiter = Limiter(limit: 3);
        Fail(limiter, IPAddress.Parse("2001:db8:1:2::1"), 1);
        Fail(limiter, IPAddress.Parse("2001:db8:1:2:ffff:ffff:ffff:ffff"), 1);
        Fail(limiter, IPAddress.Parse("2001:db8:1:2:abcd::9"), 1);

        Assert.True(limiter.IsBlocked(IPAddress.Parse("2001:db8:1:2:1234:5678:9abc:def0"), out _));
        Assert.Equal(1, limiter.TrackedAddresses);
    }

    [Theory]
    // IPv6: the neighbouring /64s on either side.
    [InlineData("2001:db8:1:2::1", "2001:db8:1:3::1", "2001:db8:1:1:ffff:ffff:ffff:ffff")]
    // IPv4: each address is a client of its own, even next door in one subnet.
    [InlineData("203.0.113.7", "203.0.113.8", "203.0.113.6")]
    public void A_blocked_client_leaves_its_neighbours_free(string blocked, string neighbourAbove, string neighbourBelow)
    {
        var limiter = Limiter(limit: 3);
        Fail(limiter, IPAddress.Parse(blocked), 3);

        Assert.True(limiter.IsBlocked(IPAddress.Parse(blocked), out _));
        Assert.False(limiter.IsBlocked(IPAddress.Parse(neighbourAbove), out _));
        Assert.False(limiter.IsBlocked(IPAddress.Parse(neighbourBelow), out _));
    }

    [Fact]
    public void An_ipv4_mapped_ipv6_address_is_the_same_client_as_its_ipv4_form()
    {
        // A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d; a forwarded header names them plainly.
        var limiter = Limiter(limit: 3);
        Fail(limiter, IPAddress.Parse("::ffff:203.0.113.7"), 2);
        Fail(limiter, IPAddress.Parse("203.0.113.7"), 1);

        Assert.True(limiter.IsBlocked(IPAddress.Parse("203.0.113.7"), out _));
        Assert.True(limiter.IsBlocked(IPAddress.Parse("::ffff:203.0.113.7"), out _));
        Assert.False(limiter.IsBlocked(IPAddress.Parse("::ffff:203.0.113.8"), out _));
    }

    [Fact]
    public void No_address_is_never_blocked_nor_counted()
    {
        var limiter = Limiter(limit: 1);
        limiter.RecordFailure(null);

        Assert.False(limiter.IsBlocked(null, out _));
        Assert.Equal(0, limiter.TrackedAddresses);
    }

    [Fact]
    public void The_table_never_tracks_more_addresses_than_its_cap()
    {
        const int cap = 64;
        var limiter = Limiter(limit: 3, maxTrackedAddresses: cap);
        var most = 0;
        for (var i = 0; i < 10_000; i++)
        {
            // Within one window, so nothing expires on its own.
            limiter.RecordFailure(Ipv4(i));
            most = Math.Max(most, limiter.TrackedAddresses);
        }

        Assert.True(most <= cap, $"tracked {most} addresses, cap {cap}");

        // The newest are kept.
        Fail(limiter, Ipv4(9_999), 2);
        Assert.True(limiter.IsBlocked(Ipv4(9_999), out _));
    }

    [Fact]
    public void When_full_the_windows_that_end_soonest_are_forgotten_first()
    {
        const int cap = 8;
        var limiter = Limiter(limit: 1, maxTrackedAddresses: cap);
        var oldest = IPAddress.Parse("198.51.100.1");
        limiter.RecordFailure(oldest);
        _time.Advance(TimeSpan.FromSeconds(1));
        for (var i = 0; i < cap - 1; i++)
        {
            limiter.RecordFailure(Ipv4(i));
        }

        Assert.Equal(cap, limiter.TrackedAddresses);
        Assert.True(limiter.IsBlocked(oldest, out _));

        _time.Advance(TimeSpan.FromSeconds(1));
        var newcomer = IPAddress.Parse("198.51.100.2");
        limiter.RecordFailure(newcomer);

        Assert.True(limiter.TrackedAddresses <= cap, $"tracked {limiter.TrackedAddresses}");
        Assert.False(limiter.IsBlocked(oldest, out _));
        Assert.True(limiter.IsBlocked(newcomer, out _));
        Assert.True(limiter.IsBlocked(Ipv4(cap - 2), out _));
    }

    [Fact]
    public void When_full_ended_windows_go_before_any_live_one()
    {
        const int cap = 8;
        var limiter = Limiter(limit: 1, maxTrackedAddresses: cap);
        for (var i = 0; i < cap / 2; i++)
        {
            limiter.RecordFailure(Ipv4(100 + i));
        }

        _time.Advance(Window);
        for (var i = 0; i < cap / 2; i++)
        {
            limiter.RecordFailure(Ipv4(i));
        }

        limiter.RecordFailure(Ipv4(cap));

        Assert.Equal(cap / 2 + 1, limiter.TrackedAddresses);
        for (var i = 0; i <= cap / 2; i++)
        {
            Assert.True(limiter.IsBlocked(Ipv4(i == cap / 2 ? cap : i), out _));
        }
    }

    private AuthFailureLimiter Limiter(int limit, int maxTrackedAddresses = 100_000) =>
        new(limit, maxTrackedAddresses, _time, NullLogger<AuthFailureLimiter>.Instance);

    private static void Fail(AuthFailureLimiter limiter, IPAddress address, int times)
    {
        for (var i = 0; i < times; i++)
        {
            limiter.RecordFailure(address);
        }
    }

    private static IPAddress Ipv4(int n) => new([10, (byte)(n >> 16), (byte)(n >> 8), (byte)n]);
}
