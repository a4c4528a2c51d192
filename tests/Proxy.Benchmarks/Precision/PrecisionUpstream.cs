using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Proxy.Benchmarks.Load;

namespace Proxy.Benchmarks.Precision;

/// <summary>
/// The emulator the two proxies share, plain (ws://) or on TLS 1.2 with a self-signed certificate for 127.0.0.1
/// that the proxies trust through <c>SSL_CERT_FILE</c>; and what it knows of each connection (request id → the
/// proxy's port).
/// </summary>
internal sealed class PrecisionUpstream : IAsyncDisposable
{
    private readonly EmulatorServer? _plain;
    private readonly ChildProcess? _tlsProcess;
    private readonly HttpClient _api;

    private PrecisionUpstream(EmulatorServer? plain, ChildProcess? tlsProcess, HttpClient api, string apiKey, int port, string url, string? certificateFile)
    {
        _plain = plain;
        _tlsProcess = tlsProcess;
        _api = api;
        ApiKey = apiKey;
        Port = port;
        Url = url;
        CertificateFile = certificateFile;
    }

    public string ApiKey { get; }

    public int Port { get; }

    /// <summary>The proxies' <c>Upstream:Url</c>.</summary>
    public string Url { get; }

    /// <summary>The PEM the proxies trust (<c>SSL_CERT_FILE</c>); null when plain.</summary>
    public string? CertificateFile { get; }

    public static async Task<PrecisionUpstream> StartAsync(ProcessLauncher launcher, bool tls)
    {
        var apiKey = "precision-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        if (!tls)
        {
            var plain = await TargetStack.StartEmulatorAsync(launcher, "emulator").ConfigureAwait(false);
            return new PrecisionUpstream(plain, null, plain.Api, apiKey: plain.ApiKey, plain.Port, plain.WebSocketUrl, null);
        }

        var directory = launcher.CreateDirectory("tls");
        var (certificateFile, keyFile) = await CreateCertificateAsync(directory).ConfigureAwait(false);
        var port = FreePort.Next();
        var process = launcher.Start("emulator", "dotnet",
        [
            RepositoryPaths.EmulatorDll,
            "--Emulator:ApiKeys:0", apiKey,
            "--Logging:LogLevel:Proxy.Emulator", "Warning",
            "--Kestrel:Endpoints:Tls:Url", $"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
            "--Kestrel:Endpoints:Tls:Certificate:Path", certificateFile,
            "--Kestrel:Endpoints:Tls:Certificate:KeyPath", keyFile,
            // TLS 1.2: the server sends no application data before its answer to the request, so the first
            // application-data record it sends carries the 101 (TLS 1.3 sends session tickets first).
            "--Kestrel:Endpoints:Tls:SslProtocols:0", "Tls12",
        ], measured: true);
        HttpClient api;
        try
        {
            await process.WaitForLineAsync(@"Now listening on: https://127\.0\.0\.1:\d+", TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            var trusted = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(certificateFile).ConfigureAwait(false)).RawData;
            var handler = new HttpClientHandler
            {
                // Only the certificate this run generated.
                ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.RawDataMemory.Span.SequenceEqual(trusted),
            };
            api = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"), Timeout = TimeSpan.FromSeconds(10) };
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new PrecisionUpstream(null, process, api, apiKey, port, $"wss://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", certificateFile);
    }

    /// <summary>Request id → the proxy's TCP port, for every connection the emulator keeps.</summary>
    public async Task<Dictionary<string, int>> PortsByRequestIdAsync()
    {
        var connections = await _api.GetFromJsonAsync<JsonElement>("/emulator/v1/connections").ConfigureAwait(false);
        var ports = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var connection in connections.EnumerateArray())
        {
            ports[connection.GetProperty("request_id").GetString()!] = connection.GetProperty("remote_port").GetInt32();
        }

        return ports;
    }

    public async ValueTask DisposeAsync()
    {
        if (_plain is not null)
        {
            await _plain.DisposeAsync().ConfigureAwait(false);
        }
        else
        {
            _api.Dispose();
            await _tlsProcess!.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<(string Certificate, string Key)> CreateCertificateAsync(string directory)
    {
        var certificate = Path.Combine(directory, "emulator.pem");
        var key = Path.Combine(directory, "emulator.key");
        var info = new ProcessStartInfo(Executables.Find("openssl", "openssl")) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate })
        {
            info.ArgumentList.Add(argument);
        }

        using var openssl = Process.Start(info)!;
        var errors = await openssl.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await openssl.WaitForExitAsync().ConfigureAwait(false);
        return openssl.ExitCode == 0 ? (certificate, key) : throw new InvalidOperationException("openssl req failed: " + errors);
    }
}
