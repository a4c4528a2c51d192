using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Hosting;
using Proxy.Runtime;

namespace Proxy.Tests.Hosting;

/// <summary>ASP.NET Core's forwarded-headers middleware as the proxy listener runs it, with the configured trust.</summary>
public sealed class TrustedForwardedHeadersMiddlewareTests
{
    [Fact]
    public async Task A_known_proxy_s_last_forwarded_address_becomes_the_remote_address()
    {
        var remote = await RemoteAfterAsync(new TrustedProxiesOptions { KnownProxies = ["10.0.0.5"] }, "10.0.0.5", "198.51.100.1, 203.0.113.7");

        // The balancer appended what it saw; the client's own entry in front of it is not believed.
        Assert.Equal(IPAddress.Parse("203.0.113.7"), remote);
    }

    [Fact]
    public async Task A_proxy_in_a_known_network_is_trusted()
    {
        var remote = await RemoteAfterAsync(new TrustedProxiesOptions { KnownNetworks = ["10.1.0.0/16"] }, "10.1.2.3", "2001:db8::7");

        Assert.Equal(IPAddress.Parse("2001:db8::7"), remote);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("10.0.0.6")]
    public async Task Any_other_peer_keeps_its_own_address_loopback_included(string peer)
    {
        // ASP.NET Core trusts loopback by default; here only what is configured is trusted.
        var remote = await RemoteAfterAsync(new TrustedProxiesOptions { KnownProxies = ["10.0.0.5"] }, peer, "203.0.113.7");

        Assert.Equal(IPAddress.Parse(peer), remote);
    }

    [Fact]
    public async Task Nothing_configured_trusts_nobody()
    {
        var remote = await RemoteAfterAsync(new TrustedProxiesOptions(), "127.0.0.1", "203.0.113.7");

        Assert.Equal(IPAddress.Loopback, remote);
    }

    [Fact]
    public async Task The_admin_listener_ignores_forwarded_addresses()
    {
        var remote = await RemoteAfterAsync(new TrustedProxiesOptions { KnownProxies = ["10.0.0.5"] }, "10.0.0.5", "203.0.113.7", ListenerKind.Admin);

        Assert.Equal(IPAddress.Parse("10.0.0.5"), remote);
    }

    [Fact]
    public async Task With_two_trusted_hops_reading_stops_at_the_first_untrusted_address()
    {
        var trusted = new TrustedProxiesOptions { KnownNetworks = ["10.0.0.0/8"], ForwardLimit = 2 };

        // The balancer 10.0.0.5 saw the CDN 10.9.9.9, which saw the client.
        Assert.Equal(IPAddress.Parse("203.0.113.7"), await RemoteAfterAsync(trusted, "10.0.0.5", "198.51.100.1, 203.0.113.7, 10.9.9.9"));

        // The client is not a trusted proxy: what it wrote in front is not read.
        Assert.Equal(IPAddress.Parse("203.0.113.7"), await RemoteAfterAsync(trusted, "10.0.0.5", "198.51.100.1, 203.0.113.7"));
    }

    private static async Task<IPAddress?> RemoteAfterAsync(TrustedProxiesOptions trusted, string peer, string forwardedFor, ListenerKind listener = ListenerKind.Proxy)
    {
        var options = new ForwardedHeadersOptions();
        new ForwardedHeadersSetup(Options.Create(trusted)).Configure(options);
        var middleware = new TrustedForwardedHeadersMiddleware(_ => Task.CompletedTask, NullLoggerFactory.Instance, Options.Create(trusted), Options.Create(options));
        var context = new DefaultHttpContext();
        context.Features.Set<IConnectionItemsFeature>(new ConnectionItems(listener));
        context.Connection.RemoteIpAddress = IPAddress.Parse(peer);
        context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        await middleware.InvokeAsync(context);
        return context.Connection.RemoteIpAddress;
    }

    private sealed class ConnectionItems(ListenerKind listener) : IConnectionItemsFeature
    {
        public IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?> { [KestrelListenersSetup.ListenerItemKey] = listener };
    }
}
