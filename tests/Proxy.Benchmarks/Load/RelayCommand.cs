using System.Globalization;
using System.Net;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// <c>relay --upstream 127.0.0.1:PORT</c> (not in the usage text: <see cref="RelayServer"/> starts it for the
/// <c>relay</c> target): a <see cref="SocketRelay"/> on a loopback port of its own, announced on stdout, until killed.
/// </summary>
internal static class RelayCommand
{
    /// <summary>The line the launcher waits for; group 1 is the port.</summary>
    public const string ListeningPattern = @"Relay listening on 127\.0\.0\.1:(\d+)";

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        IPEndPoint upstream;
        try
        {
            var parsed = CommandLineArguments.Parse(args, ["--upstream"], []);
            upstream = IPEndPoint.Parse(parsed.Get("--upstream") ?? throw new ArgumentException("--upstream 127.0.0.1:PORT is required"));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync("relay: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

        using var relay = new SocketRelay(upstream);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Relay listening on 127.0.0.1:{relay.Port} → {upstream}"));
        await relay.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
