using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>The real proxy as its own process, on free loopback ports, with an admin client.</summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    public const string AdminToken = "functional-test-admin-token-0123456789";

    private readonly ChildProcess _process;

    private ProxyServer(ChildProcess process, Uri proxyUrl, Uri adminUrl, string instanceId)
    {
        _process = process;
        ProxyUrl = proxyUrl;
        AdminUrl = adminUrl;
        InstanceId = instanceId;
        Admin = new HttpClient { BaseAddress = adminUrl, Timeout = TimeSpan.FromSeconds(15) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    /// <summary>The master key every test proxy shares, so proxies started later can read upstream keys stored earlier.</summary>
    public static string MasterKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public Uri ProxyUrl { get; }

    public Uri AdminUrl { get; }

    public string InstanceId { get; }

    public HttpClient Admin { get; }

    public ChildProcess Process => _process;

    /// <summary>The agent endpoint as a WebSocket URL.</summary>
    public Uri AgentUrl(string path = "/v1/agent/converse") => new($"ws://{ProxyUrl.Authority}{path}");

    /// <summary>Starts a proxy; <paramref name="environment"/> adds variables to its process (e.g. libfaketime's).</summary>
    public static async Task<ProxyServer> StartAsync(string redisConfiguration, string upstreamUrl, IDictionary<string, string>? settings = null, IDictionary<string, string?>? environment = null)
    {
        var arguments = new Dictionary<string, string>
        {
            ["Endpoints:Proxy"] = "http://127.0.0.1:0",
            ["Endpoints:Admin"] = "http://127.0.0.1:0",
            ["Redis:Configuration"] = redisConfiguration,
            ["Upstream:Url"] = upstreamUrl,
            ["Upstream:ApiKey"] = EmulatorServer.DefaultApiKey,
            ["Admin:Tokens:0"] = AdminToken,
            ["Secrets:MasterKey"] = MasterKey,

            // One spool per instance: proxies started from the same binary must not share the default folder.
            ["Storage:SpoolDirectory"] = Directory.CreateTempSubdirectory("dgproxy-spool-").FullName,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            arguments[key] = value;
        }

        var variables = new Dictionary<string, string?>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[name] = value;
        }

        var process = ChildProcess.Start("proxy", "dotnet",
            [RepositoryPaths.ProxyDll, .. arguments.SelectMany(a => new[] { "--" + a.Key, a.Value })],
            variables);
        process.PreferScheduling();
        var match = await process.WaitForLineAsync(@"Listening: proxy (\S+) admin (\S+) instance (\S+)", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new ProxyServer(process, new Uri(match.Groups[1].Value), new Uri(match.Groups[2].Value), match.Groups[3].Value);
    }

    public async Task PutCustomerAsync(string customerId, object? body = null)
    {
        using var response = await Admin.PutAsJsonAsync(new Uri($"/admin/v1/customers/{customerId}", UriKind.Relative), body ?? new { }).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Creates the customer if needed and issues a key; returns (key_id, secret).</summary>
    public async Task<(string KeyId, string Secret)> IssueKeyAsync(string customerId, DateTimeOffset? expiresAt = null)
    {
        await PutCustomerAsync(customerId).ConfigureAwait(false);
        object body = expiresAt is { } expires ? new { expires_at = expires.ToString("O", CultureInfo.InvariantCulture) } : new { };
        using var response = await Admin.PostAsJsonAsync(new Uri($"/admin/v1/customers/{customerId}/keys", UriKind.Relative), body).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var issued = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        return (issued.GetProperty("key_id").GetString()!, issued.GetProperty("key").GetString()!);
    }

    /// <summary>Changes some of the customer's session settings (PATCH); returns the settings view.</summary>
    public async Task<JsonElement> PatchSettingsAsync(string customerId, object settings)
    {
        using var response = await Admin.PatchAsJsonAsync(new Uri($"/admin/v1/customers/{customerId}/settings", UriKind.Relative), settings).ConfigureAwait(false);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, body.GetRawText());
        return body;
    }

    public async Task<JsonElement> GetSessionAsync(string sessionId)
    {
        using var response = await Admin.GetAsync(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative)).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
    }

    /// <summary>The customer's records, newest first.</summary>
    public async Task<JsonElement[]> ListSessionsAsync(string customerId, string? state = null)
    {
        var query = $"/admin/v1/sessions?customer={customerId}" + (state is null ? string.Empty : $"&state={state}");
        var list = await Admin.GetFromJsonAsync<JsonElement>(new Uri(query, UriKind.Relative)).ConfigureAwait(false);
        return [.. list.GetProperty("sessions").EnumerateArray()];
    }

    /// <summary>Waits until the customer has a closed record for the given Deepgram request id.</summary>
    public async Task<JsonElement> WaitForClosedRecordAsync(string customerId, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            foreach (var record in await ListSessionsAsync(customerId, "closed").ConfigureAwait(false))
            {
                if (match(record))
                {
                    return record;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No matching closed record for customer {customerId}.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the customer has at least <paramref name="count"/> closed records; returns them.</summary>
    public async Task<JsonElement[]> WaitForClosedRecordsAsync(string customerId, int count, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var closed = await ListSessionsAsync(customerId, "closed").ConfigureAwait(false);
            if (closed.Length >= count)
            {
                return closed;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{closed.Length} of {count} sessions of {customerId} were closed within {within}");
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Scrapes <c>/metrics</c> on the admin port, as Prometheus does (no token).</summary>
    public async Task<PrometheusSnapshot> ScrapeAsync()
    {
        using var scraper = new HttpClient { BaseAddress = AdminUrl, Timeout = TimeSpan.FromSeconds(10) };
        return PrometheusSnapshot.Parse(await scraper.GetStringAsync("/metrics"));
    }

    /// <summary>Scrapes until <paramref name="done"/> holds (counters move once a record is written, just after the
    /// client sees its Close).</summary>
    public async Task<PrometheusSnapshot> ScrapeUntilAsync(Func<PrometheusSnapshot, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var snapshot = await ScrapeAsync();
            if (done(snapshot) || DateTime.UtcNow > deadline)
            {
                return snapshot;
            }

            await Task.Delay(50);
        }
    }

    public async Task<JsonElement> InstanceAsync()
    {
        return await Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/instance", UriKind.Relative)).ConfigureAwait(false);
    }

    /// <summary>Waits until every spooled record has been replayed into Redis.</summary>
    public async Task WaitForEmptySpoolAsync(TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while ((await InstanceAsync().ConfigureAwait(false)).GetProperty("spool_pending_bytes").GetInt64() > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The spool was not replayed in time.");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>The customer's one open record (tests that use it open a single session per customer).</summary>
    public async Task<JsonElement> WaitForOpenRecordAsync(string customerId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var open = await ListSessionsAsync(customerId, "open").ConfigureAwait(false);
            if (open.Length == 1)
            {
                return open[0];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Customer {customerId} has {open.Length} open records, not one.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public Task<JsonElement> WaitForClosedRecordByRequestIdAsync(string customerId, string requestId) =>
        WaitForClosedRecordAsync(customerId, r => r.GetProperty("deepgram_request_id").GetString() == requestId);

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
    }
}
