using System.Diagnostics;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Emulator;

/// <summary>
/// The premise of the precision benchmark's TLS 1.3 mode (<c>precision --tls13</c>): with the OpenSSL configuration of
/// <see cref="EmulatorTls.WriteNoSessionTicketsConfig"/> the emulator sends no NewSessionTicket after the handshake,
/// so its first record after the client's Finished is the 101. Without it, it does send tickets (the check can fail).
/// <c>openssl s_client -msg</c> is the client: it prints every TLS message it receives, decrypted.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class EmulatorTls13SessionTicketTests
{
    [Fact]
    public async Task With_the_no_tickets_configuration_no_session_ticket_precedes_the_101()
    {
        var received = await ReceiveUntilSwitchingProtocolsAsync(noTickets: true);

        Assert.Contains(received, line => line.Contains("TLS 1.3, Handshake", StringComparison.Ordinal) && line.EndsWith("Finished", StringComparison.Ordinal));
        Assert.DoesNotContain(received, line => line.Contains("NewSessionTicket", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_it_session_tickets_precede_the_101()
    {
        var received = await ReceiveUntilSwitchingProtocolsAsync(noTickets: false);

        Assert.Contains(received, line => line.Contains("NewSessionTicket", StringComparison.Ordinal));
    }

    /// <summary>What <c>openssl s_client -msg</c> printed up to the 101, on a TLS 1.3 upgrade to the emulator.</summary>
    private static async Task<List<string>> ReceiveUntilSwitchingProtocolsAsync(bool noTickets)
    {
        var launcher = ProcessLauncher.Tests;
        var directory = launcher.CreateDirectory("tls13");
        try
        {
            var (certificate, key) = await EmulatorTls.CreateCertificateAsync(directory);
            var environment = new Dictionary<string, string?>();
            if (noTickets)
            {
                environment[EmulatorTls.OpenSslConfigVariable] = EmulatorTls.WriteNoSessionTicketsConfig(directory);
            }

            var port = FreePort.Next();
            await using var emulator = launcher.Start("emulator-tls13", "dotnet",
                [RepositoryPaths.EmulatorDll, "--Emulator:ApiKeys:0", EmulatorServer.DefaultApiKey, .. EmulatorTls.EndpointArguments(port, certificate, key, "Tls13")],
                environment);
            await emulator.WaitForLineAsync(@"Now listening on: https://127\.0\.0\.1:\d+", TimeSpan.FromSeconds(30));
            return await RunClientAsync(port, certificate);
        }
        finally
        {
            launcher.ReleaseDirectory(directory);
        }
    }

    private static async Task<List<string>> RunClientAsync(int port, string certificate)
    {
        var info = new ProcessStartInfo(Executables.Find("openssl", "openssl"))
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "s_client", "-tls1_3", "-connect", $"127.0.0.1:{port}", "-CAfile", certificate, "-msg", "-ign_eof" })
        {
            info.ArgumentList.Add(argument);
        }

        using var client = Process.Start(info)!;
        try
        {
            await client.StandardInput.WriteAsync(
                "GET /v1/agent/converse HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
                $"Authorization: Token {EmulatorServer.DefaultApiKey}\r\n\r\n");
            await client.StandardInput.FlushAsync();

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var lines = new List<string>();
            while (await client.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                if (line.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
                {
                    return lines;
                }

                lines.Add(line);
            }

            Assert.Fail("openssl s_client ended without a 101:\n" + string.Join('\n', lines) + "\n" + await client.StandardError.ReadToEndAsync());
            return lines;
        }
        finally
        {
            client.Kill(entireProcessTree: true);
            await client.WaitForExitAsync();
        }
    }
}
