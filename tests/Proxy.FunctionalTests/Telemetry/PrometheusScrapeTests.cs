using System.Globalization;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Telemetry;

/// <summary>A real Prometheus with the repository's example configuration and alert rules scrapes a real proxy.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class PrometheusScrapeTests
{
    private readonly GatewayFixture _gateway;

    public PrometheusScrapeTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Prometheus_scrapes_the_proxy_and_loads_the_alert_rules()
    {
        // The shared proxy has run sessions since the fixture warmed it up.
        var proxy = _gateway.Proxy;
        var sessionsSoFar = (await proxy.ScrapeAsync()).Sum("dgproxy_sessions_total");
        Assert.True(sessionsSoFar > 0);
        await using var prometheus = await PrometheusServer.StartAsync(proxy.AdminUrl);

        var series = await prometheus.QueryUntilDataAsync("sum(dgproxy_sessions_total)", TimeSpan.FromSeconds(30));
        var value = double.Parse(series[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
        Assert.True(value >= sessionsSoFar, $"Prometheus saw {value} sessions, the proxy had counted {sessionsSoFar}");
        var up = await prometheus.QueryUntilDataAsync("up{job=\"dgproxy\"} == 1", TimeSpan.FromSeconds(10));
        Assert.Single(up);

        var alerts = await prometheus.AlertRulesAsync();
        Assert.Contains("DgproxyRedisDown", alerts.Keys);
        Assert.Contains("DgproxyRecordWriteFailures", alerts.Keys);
        Assert.Equal("inactive", alerts["DgproxyRedisDown"]);
    }
}
