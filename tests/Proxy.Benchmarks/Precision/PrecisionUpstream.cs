using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Proxy.Benchmarks.Load;

namespace Proxy.Benchmarks.Precision;

/// <summary>
/// The emulator the two proxies share, plain (ws://) or on TLS 1.2 or 1.3 with a self-signed certificate for
/// 127.0.0.1 that the proxies trust through <c>SSL_CERT_FILE</c>; and what it knows of each connection (request id → the
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

    public static async Task<PrecisionUpstream> StartAsync(ProcessLauncher launcher, UpstreamSecurity security)
    {
        var apiKey = "precision-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        if (security == UpstreamSecurity.Plain)
        {
            var plain = await TargetStack.StartEmulatorAsync(launcher, "emulator").ConfigureAwait(false);
            return new PrecisionUpstream(plain, null, plain.Api, apiKey: plain.ApiKey, plain.Port, plain.WebSocketUrl, null);
        }

        var directory = launcher.CreateDirectory("tls");
        var (certificateFile, keyFile) = await EmulatorTls.CreateCertificateAsync(directory).ConfigureAwait(false);
        var port = FreePort.Next();

        // TLS 1.2: the server sends no application data before its answer to the request, so its first
        // application-data record carries the 101. TLS 1.3: its encrypted handshake and any session ticket are
        // application-data records on the wire too; the capture skips the handshake (see PcapConnections), and the
        // OpenSSL configuration stops the tickets, which .NET's own settings cannot (see EmulatorTls).
        var environment = new Dictionary<string, string?>();
        if (security == UpstreamSecurity.Tls13)
        {
            environment[EmulatorTls.OpenSslConfigVariable] = EmulatorTls.WriteNoSessionTicketsConfig(directory);
        }

        var process = launcher.Start("emulator", "dotnet",
        [
            RepositoryPaths.EmulatorDll,
            "--Emulator:ApiKeys:0", apiKey,
            "--Logging:LogLevel:Proxy.Emulator", "Warning",
            .. EmulatorTls.EndpointArguments(port, certificateFile, keyFile, security == UpstreamSecurity.Tls13 ? "Tls13" : "Tls12"),
        ], environment, measured: true);
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
}
