using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Hosting;

[Collection(GatewayTestGroup.Name)]
public sealed class ConfigurationTests
{
    private readonly GatewayFixture _gateway;

    public ConfigurationTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task The_running_proxy_reads_the_repository_root_appsettings_json()
    {
        var instance = await _gateway.Proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/instance", UriKind.Relative));
        var files = instance.GetProperty("config_files").EnumerateArray().Select(f => f.GetString()!).ToList();
        var settingsFile = Assert.Single(files, f => Path.GetFileName(f) == "appsettings.json");

        var root = await File.ReadAllBytesAsync(Path.Combine(RepositoryPaths.Root, "appsettings.json"));
        Assert.Equal(root, await File.ReadAllBytesAsync(settingsFile));
        Assert.Equal(_gateway.Proxy.InstanceId, instance.GetProperty("instance_id").GetString());
        Assert.Equal("Production", instance.GetProperty("environment").GetString());
    }

    [Fact]
    public async Task Invalid_configuration_stops_the_host_at_start_with_a_message_naming_the_key()
    {
        var process = ChildProcess.Start("proxy-bad-config", "dotnet",
        [
            RepositoryPaths.ProxyDll,
            "--Endpoints:Proxy", "http://127.0.0.1:0",
            "--Endpoints:Admin", "http://127.0.0.1:0",
            "--Upstream:Url", "ftp://example.com",
            "--ForwardedHeaders:KnownNetworks:0", "10.0.0.1/8",
            "--Redis:Configuration", _gateway.Redis.Configuration,
        ], new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = "Production" });
        await using var _ = process;
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(0, exitCode);
        var output = string.Join('\n', process.Output);
        Assert.Contains("Upstream:Url", output, StringComparison.Ordinal);
        Assert.Contains("Admin:Tokens", output, StringComparison.Ordinal);
        Assert.Contains("Secrets:MasterKey", output, StringComparison.Ordinal);
        Assert.Contains("ForwardedHeaders:KnownNetworks:0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_and_readiness_answer_on_both_listeners()
    {
        foreach (var baseUrl in new[] { _gateway.Proxy.AdminUrl, _gateway.Proxy.ProxyUrl })
        {
            using var http = new HttpClient { BaseAddress = baseUrl };
            var health = await http.GetFromJsonAsync<JsonElement>(new Uri("/healthz", UriKind.Relative));
            Assert.Equal("healthy", health.GetProperty("status").GetString());
            var ready = await http.GetFromJsonAsync<JsonElement>(new Uri("/readyz", UriKind.Relative));
            Assert.Equal("healthy", ready.GetProperty("status").GetString());
        }
    }
}
