using Microsoft.Extensions.Options;
using Proxy.Hosting;

namespace Proxy.Tests.Hosting;

public sealed class EndpointsOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_accepted()
    {
        Assert.True(Validate(new EndpointsOptions()).Succeeded);
    }

    [Fact]
    public void Invalid_proxy_endpoint_is_refused_naming_the_key()
    {
        var result = Validate(new EndpointsOptions { Proxy = "https://0.0.0.0:8443" });

        Assert.True(result.Failed);
        Assert.Contains("Endpoints:Proxy", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("Endpoints:Admin", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_admin_endpoint_is_refused_naming_the_key()
    {
        var result = Validate(new EndpointsOptions { Admin = "http://admin.internal:9090" });

        Assert.True(result.Failed);
        Assert.Contains("Endpoints:Admin", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_invalid_endpoints_are_reported()
    {
        var result = Validate(new EndpointsOptions { Proxy = string.Empty, Admin = "http://0.0.0.0:9090/admin" });

        Assert.Equal(2, result.Failures!.Count());
    }

    [Fact]
    public void Same_port_for_both_is_refused_naming_both_keys()
    {
        var result = Validate(new EndpointsOptions { Proxy = "http://0.0.0.0:8080", Admin = "http://127.0.0.1:8080" });

        Assert.True(result.Failed);
        Assert.Contains("Endpoints:Proxy and Endpoints:Admin", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Port_zero_for_both_is_accepted()
    {
        Assert.True(Validate(new EndpointsOptions { Proxy = "http://127.0.0.1:0", Admin = "http://127.0.0.1:0" }).Succeeded);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1025)]
    public void Socket_threads_out_of_range_are_refused(int threads)
    {
        var result = Validate(new EndpointsOptions { SocketThreads = threads });

        Assert.True(result.Failed);
        Assert.Contains("Endpoints:SocketThreads", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(64)]
    public void Socket_threads_zero_for_the_default_or_a_count_are_accepted(int threads)
    {
        Assert.True(Validate(new EndpointsOptions { SocketThreads = threads }).Succeeded);
    }

    private static ValidateOptionsResult Validate(EndpointsOptions options) => new EndpointsOptionsValidator().Validate(null, options);
}
