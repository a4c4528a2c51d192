using System.Diagnostics;
using System.Globalization;

namespace Proxy.TestSupport;

/// <summary>
/// What an emulator on HTTPS needs: a self-signed certificate for 127.0.0.1, the Kestrel endpoint arguments for one
/// TLS version, and (for TLS 1.3) an OpenSSL configuration that stops session tickets.
/// </summary>
internal static class EmulatorTls
{
    /// <summary>The environment variable OpenSSL reads its configuration file from when it initialises.</summary>
    public const string OpenSslConfigVariable = "OPENSSL_CONF";

    /// <summary>
    /// Writes an OpenSSL configuration whose every new TLS context issues no TLS 1.3 session tickets
    /// (<c>NumTickets = 0</c>, OpenSSL's <c>SSL_CTX_set_num_tickets(ctx, 0)</c>) and returns its path; give it to the
    /// emulator as <see cref="OpenSslConfigVariable"/>. .NET offers no setting for this: on Linux
    /// <c>SslServerAuthenticationOptions.AllowTlsResume = false</c> sets <c>SSL_OP_NO_TICKET</c> and turns the session
    /// cache off, under which OpenSSL 3 still sends two (stateful, now useless) NewSessionTicket messages after a TLS
    /// 1.3 handshake. The file replaces the system's <c>openssl.cnf</c> for that process only.
    /// </summary>
    public static string WriteNoSessionTicketsConfig(string directory)
    {
        var path = Path.Combine(directory, "openssl-no-tickets.cnf");
        File.WriteAllText(path, """
            openssl_conf = openssl_init

            [openssl_init]
            ssl_conf = ssl_section

            [ssl_section]
            system_default = system_default_section

            [system_default_section]
            NumTickets = 0

            """);
        return path;
    }

    /// <summary>Kestrel arguments for one HTTPS endpoint on 127.0.0.1:<paramref name="port"/> that offers only
    /// <paramref name="protocol"/> (<c>Tls12</c> or <c>Tls13</c>).</summary>
    public static string[] EndpointArguments(int port, string certificateFile, string keyFile, string protocol) =>
    [
        "--Kestrel:Endpoints:Tls:Url", $"https://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}",
        "--Kestrel:Endpoints:Tls:Certificate:Path", certificateFile,
        "--Kestrel:Endpoints:Tls:Certificate:KeyPath", keyFile,
        "--Kestrel:Endpoints:Tls:SslProtocols:0", protocol,
    ];

    /// <summary>A self-signed certificate for 127.0.0.1 (PEM) and its key, made with <c>openssl req</c>.</summary>
    public static async Task<(string Certificate, string Key)> CreateCertificateAsync(string directory)
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
