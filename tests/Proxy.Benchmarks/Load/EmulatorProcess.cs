using System.Globalization;
using System.Net.Http;

namespace Proxy.Benchmarks.Load;

/// <summary>The Deepgram agent emulator, the upstream of every target: it echoes each binary frame at once.</summary>
internal sealed class EmulatorProcess : IAsyncDisposable
{
    private readonly ManagedProcess _process;

    private EmulatorProcess(ManagedProcess process, int port, string apiKey)
    {
        _process = process;
        Port = port;
        ApiKey = apiKey;
    }

    public int Port { get; }

    public string ApiKey { get; }

    public int ProcessId => _process.Id;

    public static async Task<EmulatorProcess> StartAsync(string workDirectory, string name)
    {
        var port = FreePort.Next();
        var apiKey = "load-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var process = ManagedProcess.Start(name, "dotnet",
        [
            RepositoryPaths.EmulatorDll,
            "--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--Emulator:ApiKeys:0", apiKey,

            // One line per connection would be thousands of lines per run; warnings and errors still show.
            "--Logging:LogLevel:Proxy.Emulator", "Warning",
        ], workDirectory);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await process.WaitUntilAsync(
            async () =>
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/emulator/v1/connections")).ConfigureAwait(false);
                    return response.IsSuccessStatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "listening").ConfigureAwait(false);
        return new EmulatorProcess(process, port, apiKey);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
