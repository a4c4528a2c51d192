using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Proxy.TestSupport;

/// <summary>The Deepgram agent emulator as its own process on a loopback port it picks itself; it reports its own
/// measurement of every connection on its HTTP API.</summary>
internal sealed class EmulatorServer : IAsyncDisposable
{
    public const string DefaultApiKey = "dg-default-key-for-tests";
    public const string CustomerApiKey = "dg-customer-key-for-tests";

    private readonly ChildProcess _process;

    private EmulatorServer(ChildProcess process, Uri baseUrl, string apiKey)
    {
        _process = process;
        BaseUrl = baseUrl;
        ApiKey = apiKey;
        Api = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseUrl { get; }

    public int Port => BaseUrl.Port;

    public string WebSocketUrl => "ws://" + BaseUrl.Authority;

    /// <summary>The first key it accepts: a direct client's, and the proxy's default upstream key.</summary>
    public string ApiKey { get; }

    /// <summary>A client for its HTTP API (<c>/emulator/v1/…</c>).</summary>
    public HttpClient Api { get; }

    public ChildProcess Process => _process;

    public IEnumerable<string> Output => _process.Output;

    /// <summary>Starts an emulator for a test: it accepts <see cref="DefaultApiKey"/> and <see cref="CustomerApiKey"/>.</summary>
    public static Task<EmulatorServer> StartAsync(TimeSpan? clientMessageTimeout = null) =>
        StartAsync(ProcessLauncher.Tests, "emulator", [DefaultApiKey, CustomerApiKey], new Dictionary<string, string>
        {
            ["Emulator:ClientMessageTimeout"] = (clientMessageTimeout ?? TimeSpan.FromSeconds(10)).ToString("c", CultureInfo.InvariantCulture),
        });

    /// <summary>Starts an emulator that accepts <paramref name="apiKeys"/>; <paramref name="settings"/> are configuration
    /// keys and values for its command line.</summary>
    public static async Task<EmulatorServer> StartAsync(ProcessLauncher launcher, string name, IReadOnlyList<string> apiKeys, IReadOnlyDictionary<string, string> settings)
    {
        var process = launcher.Start(name, "dotnet",
        [
            RepositoryPaths.EmulatorDll,
            "--urls", "http://127.0.0.1:0",
            .. apiKeys.SelectMany((key, i) => new[] { $"--Emulator:ApiKeys:{i.ToString(CultureInfo.InvariantCulture)}", key }),
            .. settings.SelectMany(s => new[] { "--" + s.Key, s.Value }),
        ], measured: true);
        var match = await process.WaitForLineAsync(@"Now listening on: (http://127\.0\.0\.1:\d+)", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new EmulatorServer(process, new Uri(match.Groups[1].Value), apiKeys[0]);
    }

    /// <summary>How the emulator reports the key a connection presented (<c>api_key_sha256</c>).</summary>
    public static string Fingerprint(string apiKey) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey)));

    public Task KillAsync() => _process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _process.DisposeAsync().ConfigureAwait(false);
    }
}
