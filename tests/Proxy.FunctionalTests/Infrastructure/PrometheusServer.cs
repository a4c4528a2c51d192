using System.Globalization;
using System.Text.Json;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>
/// A real Prometheus (the Debian package) on a loopback port, running the repository's example configuration
/// (<c>deploy/prometheus/prometheus.yml</c> and its rules) with the target pointed at a test proxy and a 1 s
/// scrape interval.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;
    private readonly HttpClient _http;

    private PrometheusServer(ChildProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public static async Task<PrometheusServer> StartAsync(Uri scrapeTarget)
    {
        var executable = Executables.Find("prometheus", "prometheus");
        var directory = Directory.CreateTempSubdirectory("dgproxy-prometheus-").FullName;
        var deploy = Path.Combine(RepositoryPaths.Root, "deploy", "prometheus");
        var config = File.ReadAllText(Path.Combine(deploy, "prometheus.yml"))
            .Replace("127.0.0.1:9090", scrapeTarget.Authority, StringComparison.Ordinal)
            .Replace("15s", "1s", StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(directory, "prometheus.yml"), config);
        File.Copy(Path.Combine(deploy, "dgproxy-alerts.rules.yml"), Path.Combine(directory, "dgproxy-alerts.rules.yml"));

        var port = FreePort.Next();
        var process = ChildProcess.Start("prometheus", executable,
        [
            "--config.file=" + Path.Combine(directory, "prometheus.yml"),
            "--storage.tsdb.path=" + Path.Combine(directory, "data"),
            "--web.listen-address=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
        ]);
        var server = new PrometheusServer(process, directory, port);
        await process.WaitForLineAsync("Server is ready to receive web requests", TimeSpan.FromSeconds(30));
        return server;
    }

    /// <summary>Runs an instant query until it returns at least one series.</summary>
    public async Task<JsonElement[]> QueryUntilDataAsync(string query, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            using var document = JsonDocument.Parse(await _http.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(query)));
            var result = document.RootElement.GetProperty("data").GetProperty("result");
            if (result.GetArrayLength() > 0)
            {
                return [.. result.EnumerateArray().Select(r => r.Clone())];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Prometheus returned no data for '{query}' within {within}.");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>The alerting rules Prometheus loaded, by name, with their state (inactive, pending, firing).</summary>
    public async Task<Dictionary<string, string>> AlertRulesAsync()
    {
        using var document = JsonDocument.Parse(await _http.GetStringAsync("/api/v1/rules?type=alert"));
        return document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("state").GetString()!, StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
