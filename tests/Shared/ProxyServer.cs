using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Proxy.TestSupport;

/// <summary>The real proxy as its own process in the Production environment, on loopback ports it picks itself, with
/// a client for its admin API.</summary>
internal sealed class ProxyServer : IAsyncDisposable
{
    public const string AdminToken = "functional-test-admin-token-0123456789";

    private readonly ChildProcess _process;
    private readonly ProcessLauncher _launcher;
    private readonly string _spoolDirectory;

    private ProxyServer(ChildProcess process, ProcessLauncher launcher, string spoolDirectory, Uri proxyUrl, Uri adminUrl, string instanceId)
    {
        _process = process;
        _launcher = launcher;
        _spoolDirectory = spoolDirectory;
        ProxyUrl = proxyUrl;
        AdminUrl = adminUrl;
        InstanceId = instanceId;
        Admin = new HttpClient { BaseAddress = adminUrl, Timeout = TimeSpan.FromSeconds(15) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    /// <summary>The master key every proxy of a run shares, so proxies started later can read upstream keys stored earlier.</summary>
    public static string MasterKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public Uri ProxyUrl { get; }

    public Uri AdminUrl { get; }

    public string InstanceId { get; }

    /// <summary>The admin API, authenticated with <see cref="AdminToken"/>.</summary>
    public HttpClient Admin { get; }

    public ChildProcess Process => _process;

    /// <summary>The agent endpoint as a WebSocket URL.</summary>
    public Uri AgentUrl(string path = "/v1/agent/converse") => new($"ws://{ProxyUrl.Authority}{path}");

    /// <summary>Starts a proxy for a test, in front of <paramref name="upstreamUrl"/> with
    /// <see cref="EmulatorServer.DefaultApiKey"/>; <paramref name="environment"/> adds variables to its process (e.g.
    /// libfaketime's).</summary>
    public static Task<ProxyServer> StartAsync(string redisConfiguration, string upstreamUrl, IDictionary<string, string>? settings = null, IDictionary<string, string?>? environment = null) =>
        StartAsync(ProcessLauncher.Tests, redisConfiguration, upstreamUrl, EmulatorServer.DefaultApiKey, settings, environment);

    /// <summary>Starts a proxy; <paramref name="settings"/> are configuration keys and values for its command line,
    /// over the ones every proxy gets here.</summary>
    public static async Task<ProxyServer> StartAsync(ProcessLauncher launcher, string redisConfiguration, string upstreamUrl, string upstreamApiKey, IDictionary<string, string>? settings, IDictionary<string, string?>? environment)
    {
        // One spool per instance: proxies started from the same binary must not share the default folder.
        var spoolDirectory = launcher.CreateDirectory("spool");
        var arguments = new Dictionary<string, string>
        {
            ["Endpoints:Proxy"] = "http://127.0.0.1:0",
            ["Endpoints:Admin"] = "http://127.0.0.1:0",
            ["Redis:Configuration"] = redisConfiguration,
            ["Upstream:Url"] = upstreamUrl,
            ["Upstream:ApiKey"] = upstreamApiKey,
            ["Admin:Tokens:0"] = AdminToken,
            ["Secrets:MasterKey"] = MasterKey,
            ["Storage:SpoolDirectory"] = spoolDirectory,
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

        var process = launcher.Start("proxy", "dotnet",
            [RepositoryPaths.ProxyDll, .. arguments.SelectMany(a => new[] { "--" + a.Key, a.Value })],
            variables,
            measured: true);
        var match = await process.WaitForLineAsync(@"Listening: proxy (\S+) admin (\S+) instance (\S+)", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new ProxyServer(process, launcher, spoolDirectory, new Uri(match.Groups[1].Value), new Uri(match.Groups[2].Value), match.Groups[3].Value);
    }

    /// <summary>Waits until <c>/readyz</c> answers 200: the proxy takes new sessions.</summary>
    public Task WaitUntilReadyAsync(TimeSpan timeout) => _process.WaitUntilAsync(
        async () =>
        {
            try
            {
                using var response = await Admin.GetAsync(new Uri("/readyz", UriKind.Relative)).ConfigureAwait(false);
                return response.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        },
        timeout,
        "ready (/readyz)");

    /// <summary>Creates or updates a customer (PUT); <paramref name="body"/> is its JSON (name, plan, disabled).</summary>
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

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
        _launcher.ReleaseDirectory(_spoolDirectory);
    }
}
