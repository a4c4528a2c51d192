using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.AdminConsole;

/// <summary>The admin console in a real headless Chromium (Debian's <c>chromium</c>, driven by playwright-core from
/// tests/sdk-e2e/console-admin.mjs): an <c>admin</c> token's user creates a customer and a key, watches a real SDK
/// session appear in the live list and closes it, sets the idle timeout and sees a silent session closed by it, reads
/// the usage chart and CSV and the printable invoice; an XSS-shaped customer name stays text; a <c>read</c> token's
/// user sees no write control and the audit log of the changes. The API's side of the same story is checked here.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class ConsoleBrowserTests
{
    private const string OpsToken = "console-ops-token-0123456789abcdef";
    private const string FinanceToken = "console-finance-token-0123456789abcdef";

    private readonly GatewayFixture _gateway;

    public ConsoleBrowserTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task An_admin_runs_customers_keys_live_sessions_settings_and_usage_in_chromium_and_a_read_token_sees_the_audit_but_no_write_control()
    {
        // Its own Redis and proxy: the pages list every customer and instance, and the shared Redis holds hundreds of
        // other tests' customers (the customers page loads 200 at a time). The proxy has the two named tokens with
        // roles; index 0 stays the fixtures' plain admin token, which the API checks below use.
        await using var redis = await RedisServer.StartAsync();
        await using var proxy = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, new Dictionary<string, string>
        {
            ["Admin:Tokens:1:Name"] = "ops",
            ["Admin:Tokens:1:Token"] = OpsToken,
            ["Admin:Tokens:1:Role"] = "admin",
            ["Admin:Tokens:2:Name"] = "finance",
            ["Admin:Tokens:2:Token"] = FinanceToken,
            ["Admin:Tokens:2:Role"] = "read",
        });
        await proxy.WaitUntilReadyAsync(TimeSpan.FromSeconds(30));

        // Ids of this run: the Redis is shared with the other functional tests and the script creates the customers
        // through the page, so they must not exist yet.
        var run = Guid.NewGuid().ToString("N")[..8];
        var customerId = $"console-{run}";
        var planId = $"console-plan-{run}";
        using (var plan = await proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/plans/{planId}", UriKind.Relative),
                   new { currency = "USD", per_minute_micros = 150000, rounding = "ceil_second" }))
        {
            Assert.Equal(HttpStatusCode.Created, plan.StatusCode);
        }

        using (var publicPort = new HttpClient { BaseAddress = proxy.ProxyUrl, Timeout = TimeSpan.FromSeconds(15) })
        {
            foreach (var path in new[] { "/admin/console", "/admin/console/", "/admin/console/index.html", "/admin/console/js/app.js" })
            {
                using var response = await publicPort.GetAsync(new Uri(path, UriKind.Relative));
                Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path} on the public port answered {(int)response.StatusCode}, not 404");
            }
        }

        var environment = new Dictionary<string, string?>
        {
            ["ADMIN_URL"] = proxy.AdminUrl.GetLeftPart(UriPartial.Authority),
            ["PROXY_BASE_URL"] = "ws://" + proxy.ProxyUrl.Authority,
            ["OPS_TOKEN"] = OpsToken,
            ["FINANCE_TOKEN"] = FinanceToken,
            ["CUSTOMER_ID"] = customerId,
            ["CUSTOMER_NAME"] = $"Console Customer {run}",
            ["PLAN_ID"] = planId,
            ["XSS_IMG_ID"] = $"console-xss-img-{run}",
            ["XSS_SCRIPT_ID"] = $"console-xss-script-{run}",
            ["INSTANCE_ID"] = proxy.InstanceId,
            ["IDLE_TIMEOUT_SECONDS"] = "3",
            ["TIMEOUT_MS"] = "300000",
        };
        if (Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOT_DIR") is { Length: > 0 } screenshots)
        {
            // Relative to the repository, not to the script's folder.
            environment["CONSOLE_SCREENSHOT_DIR"] = Path.GetFullPath(screenshots, RepositoryPaths.Root);
        }

        var (exitCode, result, output) = await NodeScript.RunAsync("console-admin.mjs", environment, TimeSpan.FromSeconds(330));
        Assert.True(exitCode == 0, output);

        // The session closed from the page: its record says so.
        var adminClosed = await WaitForClosedRecordAsync(proxy, result.GetProperty("admin_closed_session_id").GetString()!);
        Assert.Equal(
            (customerId, "admin_closed"),
            (adminClosed.GetProperty("customer_id").GetString(), adminClosed.GetProperty("close_reason").GetString()));

        // The silent session after the page set a 3 s idle timeout.
        var idle = await proxy.WaitForClosedRecordAsync(customerId, r => r.GetProperty("close_reason").GetString() == "idle_timeout");
        Assert.Equal(result.GetProperty("idle_request_id").GetString(), idle.GetProperty("deepgram_request_id").GetString());
        var settings = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customerId}/settings", UriKind.Relative));
        Assert.Equal(3000, settings.GetProperty("effective").GetProperty("idle_timeout_ms").GetInt64());

        // The read token: the API refuses a change with 403 (the console hid the controls), and the refusal is audited.
        using (var finance = new HttpClient { BaseAddress = proxy.AdminUrl, Timeout = TimeSpan.FromSeconds(15) })
        {
            finance.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", FinanceToken);
            using var refused = await finance.PutAsJsonAsync(new Uri($"/admin/v1/customers/{customerId}", UriKind.Relative), new { name = "renamed by finance" });
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(refused.StatusCode == HttpStatusCode.Forbidden, $"{(int)refused.StatusCode} {body.GetRawText()}");
            Assert.Equal("forbidden", body.GetProperty("error").GetString());

            var whoami = await finance.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/whoami", UriKind.Relative));
            Assert.Equal(("finance", "read"), (whoami.GetProperty("name").GetString(), whoami.GetProperty("role").GetString()));
        }

        var customer = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customerId}", UriKind.Relative));
        Assert.NotEqual("renamed by finance", customer.GetProperty("name").GetString());

        var audit = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/audit?limit=200", UriKind.Relative));
        var entries = audit.GetProperty("entries").EnumerateArray().ToArray();
        Assert.Contains(entries, e => e.GetProperty("actor").GetString() == "ops" && e.GetProperty("method").GetString() == "PUT"
            && e.GetProperty("path").GetString() == $"/admin/v1/customers/{customerId}" && e.GetProperty("status").GetInt32() is >= 200 and < 300);
        Assert.Contains(entries, e => e.GetProperty("actor").GetString() == "ops" && e.GetProperty("method").GetString() == "DELETE"
            && e.GetProperty("path").GetString() == $"/admin/v1/sessions/{adminClosed.GetProperty("session_id").GetString()}");
        Assert.Contains(entries, e => e.GetProperty("actor").GetString() == "finance" && e.GetProperty("role").GetString() == "read"
            && e.GetProperty("method").GetString() == "PUT" && e.GetProperty("status").GetInt32() == 403);
        Assert.DoesNotContain(OpsToken, audit.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(FinanceToken, audit.GetRawText(), StringComparison.Ordinal);

        // The tokens never reach the proxy's log either.
        var log = string.Join('\n', proxy.Process.Output);
        Assert.DoesNotContain(OpsToken, log, StringComparison.Ordinal);
        Assert.DoesNotContain(FinanceToken, log, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> WaitForClosedRecordAsync(ProxyServer proxy, string sessionId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var record = await proxy.GetSessionAsync(sessionId);
            if (record.GetProperty("status").GetString() == "closed" || DateTime.UtcNow > deadline)
            {
                return record;
            }

            await Task.Delay(100);
        }
    }
}
