using System.Net;
using Proxy.Hosting;

namespace Proxy.Tests.Hosting;

public sealed class ListenerEndpointTests
{
    [Theory]
    [InlineData("http://0.0.0.0:8080", "0.0.0.0", 8080)]
    [InlineData("http://127.0.0.1:9090", "127.0.0.1", 9090)]
    [InlineData("http://127.0.0.1:9090/", "127.0.0.1", 9090)]
    [InlineData("http://*:8080", "0.0.0.0", 8080)]
    [InlineData("http://+:8080", "0.0.0.0", 8080)]
    [InlineData("http://[::]:8080", "::", 8080)]
    [InlineData("http://[::1]:9090", "::1", 9090)]
    [InlineData("http://10.1.2.3", "10.1.2.3", 80)]
    [InlineData("http://127.0.0.1:0", "127.0.0.1", 0)]
    public void Ip_addresses_and_wildcards_are_read(string url, string address, int port)
    {
        Assert.True(ListenerEndpoint.TryParse(url, out var endpoint, out var error));

        Assert.Equal(new ListenerEndpoint(IPAddress.Parse(address), false, port), endpoint);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("http://localhost:5000")]
    [InlineData("http://LocalHost:5000")]
    public void Localhost_is_read_as_localhost(string url)
    {
        Assert.True(ListenerEndpoint.TryParse(url, out var endpoint, out _));

        Assert.Equal(new ListenerEndpoint(null, true, 5000), endpoint);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Empty_is_refused(string? url)
    {
        Assert.False(ListenerEndpoint.TryParse(url, out _, out var error));
        Assert.Equal("is empty", error);
    }

    [Theory]
    [InlineData("https://0.0.0.0:8443")]
    [InlineData("0.0.0.0:8080")]
    [InlineData("ws://0.0.0.0:8080")]
    [InlineData("not a url")]
    public void Anything_but_http_urls_is_refused(string url)
    {
        Assert.False(ListenerEndpoint.TryParse(url, out _, out var error));
        Assert.Contains("http://host:port", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://0.0.0.0:8080/proxy")]
    [InlineData("http://0.0.0.0:8080/?a=1")]
    [InlineData("http://0.0.0.0:8080?a=1")]
    public void Paths_and_queries_are_refused(string url)
    {
        Assert.False(ListenerEndpoint.TryParse(url, out _, out var error));
        Assert.Contains("without path, query", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://example.com:8080")]
    [InlineData("http://proxy.internal")]
    public void Host_names_other_than_localhost_are_refused(string url)
    {
        Assert.False(ListenerEndpoint.TryParse(url, out _, out var error));
        Assert.Contains("host must be an IP address", error, StringComparison.Ordinal);
    }
}
