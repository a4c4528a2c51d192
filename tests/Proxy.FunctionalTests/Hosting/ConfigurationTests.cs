using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
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
        var output = await StartWithInvalidConfigurationAsync(
        [
            "--Upstream:Url", "ftp://example.com",
            "--ForwardedHeaders:KnownNetworks:0", "10.0.0.1/8",
            "--Redis:Configuration", _gateway.Redis.Configuration,
        ]);

        Assert.Contains("Upstream:Url", output, StringComparison.Ordinal);
        Assert.Contains("Admin:Tokens", output, StringComparison.Ordinal);
        Assert.Contains("Secrets:MasterKey", output, StringComparison.Ordinal);
        Assert.Contains("ForwardedHeaders:KnownNetworks:0", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_invalid_setting_is_named_in_one_clean_report_whatever_stage_reads_it()
    {
        // Values the configuration binder cannot convert (TimeSpan, int, long, bool), values the validators refuse,
        // a setting read before the host is built (Endpoints:SocketThreads) and one the host's shutdown timeout reads
        // while it is built (Sessions:CloseGrace): all in one start, all in one report.
        var output = await StartWithInvalidConfigurationAsync(
        [
            "--Redis:Configuration", _gateway.Redis.Configuration,
            "--Admin:Tokens:0", ProxyServer.AdminToken,
            "--Secrets:MasterKey", ProxyServer.MasterKey,
            "--Sessions:IdleTimeout", "half a minute",
            "--Sessions:MaxConcurrentSessionsPerInstance", "many",
            "--Sessions:CloseGrace", "00:00:00",
            "--Storage:SpoolMaxBytes", "1GB",
            "--Storage:RedisDownPolicy", "sometimes",
            "--Limits:ValidateUtf8", "maybe",
            "--Endpoints:SocketThreads", "two",
            "--Upstream:ConnectTimeout", "10s",
        ]);

        foreach (var key in new[]
        {
            "Sessions:IdleTimeout", "Sessions:MaxConcurrentSessionsPerInstance", "Sessions:CloseGrace", "Storage:SpoolMaxBytes",
            "Storage:RedisDownPolicy", "Limits:ValidateUtf8", "Endpoints:SocketThreads", "Upstream:ConnectTimeout",
        })
        {
            Assert.Contains("  - " + key, output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_spool_directory_that_cannot_be_written_is_named_in_the_report()
    {
        var file = Path.GetTempFileName();
        try
        {
            var output = await StartWithInvalidConfigurationAsync(
            [
                "--Redis:Configuration", _gateway.Redis.Configuration,
                "--Admin:Tokens:0", ProxyServer.AdminToken,
                "--Secrets:MasterKey", ProxyServer.MasterKey,
                "--Storage:SpoolDirectory", file,
            ]);

            Assert.Contains("  - Storage:SpoolDirectory", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_malformed_previous_master_key_is_named_by_its_index_in_the_report()
    {
        var output = await StartWithInvalidConfigurationAsync(
        [
            "--Redis:Configuration", _gateway.Redis.Configuration,
            "--Admin:Tokens:0", ProxyServer.AdminToken,
            "--Secrets:MasterKey", ProxyServer.MasterKey,
            "--Secrets:PreviousMasterKeys:0", ProxyServer.MasterKey,
            "--Secrets:PreviousMasterKeys:1", "AAAAAAAAAAAAAAAAAAAAAA==",
        ]);

        Assert.Contains("Secrets:PreviousMasterKeys:1", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Secrets:PreviousMasterKeys:0", output, StringComparison.Ordinal);
        Assert.DoesNotContain(ProxyServer.MasterKey, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_address_in_use_is_named_in_the_report()
    {
        // Redis's port is taken; Kestrel's own failure is logged by the host, then the report names the key.
        var process = ChildProcess.Start("proxy-port-in-use", "dotnet",
        [
            RepositoryPaths.ProxyDll, "--Endpoints:Proxy", "http://127.0.0.1:0", "--Endpoints:Admin", $"http://127.0.0.1:{_gateway.Redis.Port}",
            "--Redis:Configuration", _gateway.Redis.Configuration, "--Admin:Tokens:0", ProxyServer.AdminToken, "--Secrets:MasterKey", ProxyServer.MasterKey,
            "--Storage:SpoolDirectory", Directory.CreateTempSubdirectory("dgproxy-spool-").FullName,
        ], new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = "Production" });
        await using var _ = process;
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(200);
        var output = string.Join('\n', process.Output);
        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{output}");
        Assert.Contains($"  - Endpoints:Admin (http://127.0.0.1:{_gateway.Redis.Port}) cannot be listened on", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Setting_only_the_idle_timeout_starts_the_proxy_and_the_idle_warning_lead_follows_it()
    {
        // The root appsettings.json's 10 s lead is longer than this timeout: it becomes 1.5 s, half the timeout.
        var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string> { ["Sessions:IdleTimeout"] = "00:00:03" });
        await using var _ = proxy;
        var ready = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/readyz", UriKind.Relative));
        Assert.Equal("healthy", ready.GetProperty("status").GetString());
        var (_, secret) = await proxy.IssueKeyAsync("lead-follows-config");

        var seen = await IdleSessionAsync(proxy, secret);

        AssertWarnedAboutHalfTheLimitBeforeTheClose(seen, "SESSION_IDLE_WARNING", TimeSpan.FromSeconds(3));
        await Task.Delay(300);
        var logs = proxy.Process.Output.ToList();
        var shortened = Assert.Single(logs, l => l.Contains("Sessions:IdleWarningLead", StringComparison.Ordinal));
        Assert.Contains("(00:00:10) is not shorter than Sessions:IdleTimeout (00:00:03): shortened to 00:00:01.5", shortened, StringComparison.Ordinal);
        Assert.DoesNotContain(logs, l => l.Contains("Sessions:MaxDurationWarningLead", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_customer_timeout_under_the_inherited_warning_leads_is_accepted_and_the_leads_follow_it()
    {
        // The shared proxy runs the root appsettings.json: leads of 10 s (idle) and 60 s (max duration).
        var proxy = _gateway.Proxy;
        var (_, idleSecret) = await proxy.IssueKeyAsync("lead-follows-idle");
        var idle = await proxy.PatchSettingsAsync("lead-follows-idle", new { idle_timeout_ms = 3000 });
        Assert.Equal(1500, idle.GetProperty("effective").GetProperty("idle_warning_lead_ms").GetInt64());
        Assert.Equal(JsonValueKind.Null, idle.GetProperty("overrides").GetProperty("idle_warning_lead_ms").ValueKind);
        var (_, maxSecret) = await proxy.IssueKeyAsync("lead-follows-max");
        var max = await proxy.PatchSettingsAsync("lead-follows-max", new { max_duration_ms = 4000, idle_timeout_ms = 0 });
        Assert.Equal(2000, max.GetProperty("effective").GetProperty("max_duration_warning_lead_ms").GetInt64());

        var sessions = await Task.WhenAll(IdleSessionAsync(proxy, idleSecret), IdleSessionAsync(proxy, maxSecret));
        var (idleSeen, maxSeen) = (sessions[0], sessions[1]);

        AssertWarnedAboutHalfTheLimitBeforeTheClose(idleSeen, "SESSION_IDLE_WARNING", TimeSpan.FromSeconds(3));
        Assert.NotNull(idleSeen.First("Error", "SESSION_IDLE_TIMEOUT"));
        AssertWarnedAboutHalfTheLimitBeforeTheClose(maxSeen, "SESSION_MAX_DURATION_WARNING", TimeSpan.FromSeconds(4));
        Assert.NotNull(maxSeen.First("Error", "SESSION_MAX_DURATION"));
        var logs = proxy.Process.Output.ToList();
        Assert.Contains("idle_warning_lead_ms 10000 is not shorter than idle_timeout_ms 3000: shortened to 1500 ms",
            Assert.Single(logs, l => l.Contains("Customer lead-follows-idle:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("max_duration_warning_lead_ms 60000 is not shorter than max_duration_ms 4000: shortened to 2000 ms",
            Assert.Single(logs, l => l.Contains("Customer lead-follows-max:", StringComparison.Ordinal)), StringComparison.Ordinal);
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

    /// <summary>Starts the proxy on loopback with the given settings, expects the clean configuration report: exit
    /// code 2, no stack trace. Returns everything it printed.</summary>
    private static async Task<string> StartWithInvalidConfigurationAsync(string[] settings)
    {
        var process = ChildProcess.Start("proxy-bad-config", "dotnet",
            [RepositoryPaths.ProxyDll, "--Endpoints:Proxy", "http://127.0.0.1:0", "--Endpoints:Admin", "http://127.0.0.1:0", .. settings],
            new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = "Production" });
        await using var _ = process;
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(200);
        var output = string.Join('\n', process.Output);
        Assert.True(exitCode == 2, $"exit code {exitCode}:\n{output}");
        Assert.Contains("The proxy cannot start: its configuration is invalid.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception:", output, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at \S+\(", output);
        return output;
    }

    /// <summary>Opens a session and leaves it alone until the proxy closes it.</summary>
    private static async Task<ReceivedSession> IdleSessionAsync(ProxyServer proxy, string secret)
    {
        var (client, _) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        return await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(15));
    }

    /// <summary>
    /// The warning came with half of <paramref name="limit"/> left: not before half the limit had passed (the clock
    /// starts when the session's opening is done, after the proxy's own start, so only a slow opening moves this
    /// bound), and its text says at most half the limit remains. A lead that was not shortened would warn at once.
    /// </summary>
    private static void AssertWarnedAboutHalfTheLimitBeforeTheClose(ReceivedSession seen, string code, TimeSpan limit)
    {
        Assert.True(seen.Closed, "the proxy did not close the session");
        var warning = seen.First("Warning", code);
        Assert.True(warning is not null, $"no {code}: {string.Join(", ", seen.Messages.Select(m => m.Type + " " + m.Code))}");
        var half = limit / 2;
        // The session's clocks start at the upstream open, before the client's Welcome/Settings round trips that end
        // the opening here (two sessions opened side by side by a low-priority test host: up to ~0.5 s seen); an
        // unshortened lead would warn at once, so 1 s of slack still tells them apart.
        Assert.True(warning.At >= half - TimeSpan.FromMilliseconds(1000), $"{code} came {warning.At} after the opening, before half of {limit}");
        // Generous: on a loaded 2-core machine the warning's delivery can lag the sweep by several hundred ms; what
        // this rules out is a lead far shorter than half (the text's check below pins the lead itself).
        Assert.True(seen.ClosedAt - warning.At >= half - TimeSpan.FromMilliseconds(1000), $"{code} came only {seen.ClosedAt - warning.At} before the close");
        var remaining = Regex.Match(warning.Json.GetProperty("description").GetString()!, @"in (\d+(?:\.\d+)?) s\b");
        Assert.True(remaining.Success, warning.Json.GetRawText());
        Assert.InRange(double.Parse(remaining.Groups[1].Value, CultureInfo.InvariantCulture), 0, half.TotalSeconds);
    }
}
