using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// Our proxy as it runs in production (Production environment, real Redis, metering, idle timers, logging at its
/// defaults), in front of an emulator, with one customer and a key issued through the admin API.
/// </summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    private const string CustomerId = "load";

    private readonly ManagedProcess _process;

    private ProxyProcess(ManagedProcess process, int port, string key)
    {
        _process = process;
        Port = port;
        Key = key;
    }

    public int Port { get; }

    /// <summary>The proxy key issued to the load's customer.</summary>
    public string Key { get; }

    public int ProcessId => _process.Id;

    public static async Task<ProxyProcess> StartAsync(string workDirectory, RedisProcess redis, EmulatorProcess upstream, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort.Next();
        var adminPort = FreePort.Next();
        var adminToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var arguments = new Dictionary<string, string>
        {
            ["Endpoints:Proxy"] = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            ["Endpoints:Admin"] = $"http://127.0.0.1:{adminPort.ToString(CultureInfo.InvariantCulture)}",
            ["Redis:Configuration"] = redis.Configuration,
            ["Upstream:Url"] = $"ws://127.0.0.1:{upstream.Port.ToString(CultureInfo.InvariantCulture)}",
            ["Upstream:ApiKey"] = upstream.ApiKey,
            ["Admin:Tokens:0"] = adminToken,
            ["Secrets:MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            // Its own spool, inside the run's directory so that it goes when the run's files do.
            ["Storage:SpoolDirectory"] = Directory.CreateDirectory(Path.Combine(workDirectory, "spool-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)))).FullName,

            // Idle timers stay on (30 s, "messages"); KeepAlive counts as activity so the idle run's sessions, which
            // send nothing else, are held rather than closed. Streaming sessions are active anyway.
            ["Sessions:KeepAliveIsActivity"] = "true",
        };
        var process = ManagedProcess.Start("proxy", "dotnet",
            [RepositoryPaths.ProxyDll, .. arguments.SelectMany(a => new[] { "--" + a.Key, a.Value })],
            workDirectory,
            new Dictionary<string, string>(environment) { ["DOTNET_ENVIRONMENT"] = "Production", ["ASPNETCORE_ENVIRONMENT"] = "Production" });

        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(10) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        await process.WaitUntilAsync(
            async () =>
            {
                try
                {
                    using var response = await admin.GetAsync(new Uri("/readyz", UriKind.Relative)).ConfigureAwait(false);
                    return response.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(60),
            "ready (/readyz)").ConfigureAwait(false);

        using (var put = await admin.PutAsJsonAsync(new Uri($"/admin/v1/customers/{CustomerId}", UriKind.Relative), new { name = "Load test" }).ConfigureAwait(false))
        {
            put.EnsureSuccessStatusCode();
        }

        using var issued = await admin.PostAsJsonAsync(new Uri($"/admin/v1/customers/{CustomerId}/keys", UriKind.Relative), new { }).ConfigureAwait(false);
        issued.EnsureSuccessStatusCode();
        var body = await issued.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        return new ProxyProcess(process, port, body.GetProperty("key").GetString()!);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
