using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>The Deepgram agent emulator as its own process; it reports its own measurement of every connection.</summary>
internal sealed class EmulatorServer : IAsyncDisposable
{
    public const string DefaultApiKey = "dg-default-key-for-tests";
    public const string CustomerApiKey = "dg-customer-key-for-tests";

    private readonly ChildProcess _process;
    private readonly HttpClient _http;

    private EmulatorServer(ChildProcess process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
        _http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseUrl { get; }

    public string WebSocketUrl => "ws://" + BaseUrl.Authority;

    public IEnumerable<string> Output => _process.Output;

    public static async Task<EmulatorServer> StartAsync(TimeSpan? clientMessageTimeout = null)
    {
        var process = ChildProcess.Start("emulator", "dotnet",
        [
            RepositoryPaths.EmulatorDll,
            "--urls", "http://127.0.0.1:0",
            "--Emulator:ApiKeys:0", DefaultApiKey,
            "--Emulator:ApiKeys:1", CustomerApiKey,
            "--Emulator:ClientMessageTimeout", (clientMessageTimeout ?? TimeSpan.FromSeconds(10)).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ]);
        process.PreferScheduling();
        var match = await process.WaitForLineAsync(@"Now listening on: (http://127\.0\.0\.1:\d+)", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new EmulatorServer(process, new Uri(match.Groups[1].Value));
    }

    public static string Fingerprint(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));

    public async Task<int> ConnectionCountAsync()
    {
        var connections = await _http.GetFromJsonAsync<JsonElement>("/emulator/v1/connections").ConfigureAwait(false);
        return connections.GetArrayLength();
    }

    /// <summary>The emulator's record of a connection, once it is closed.</summary>
    public async Task<JsonElement> WaitForClosedConnectionAsync(string requestId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            using var response = await _http.GetAsync(new Uri($"/emulator/v1/connections/{requestId}", UriKind.Relative)).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var connection = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
                if (connection.GetProperty("state").GetString() == "closed")
                {
                    return connection;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The emulator's connection {requestId} did not close.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public Task KillAsync() => _process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
    }
}
