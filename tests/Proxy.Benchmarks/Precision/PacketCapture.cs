using System.Globalization;
using System.Text.RegularExpressions;

namespace Proxy.Benchmarks.Precision;

/// <summary>
/// tcpdump on loopback, writing every segment to or from the upstream's port with the kernel's nanosecond receive
/// times; stopped with SIGTERM, on which it flushes the file and reports what the kernel dropped.
/// </summary>
internal sealed partial class PacketCapture : IAsyncDisposable
{
    // Ethernet 14 + IPv4 20 + TCP with options 32, plus the payload's first bytes: enough to read "HTTP/1.1 101" or
    // a TLS record's content type.
    private const string SnapLength = "160";

    private readonly ChildProcess _process;
    private bool _stopped;

    private PacketCapture(ChildProcess process, string path)
    {
        _process = process;
        FilePath = path;
    }

    public string FilePath { get; }

    /// <summary>Segments the kernel dropped before tcpdump read them, once stopped (null when not reported).</summary>
    public int? KernelDrops { get; private set; }

    /// <summary>The installed tcpdump, or null.</summary>
    public static string? Find()
    {
        try
        {
            return Executables.Find("tcpdump", "tcpdump");
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public static async Task<PacketCapture> StartAsync(ProcessLauncher launcher, string tcpdump, string directory, int port)
    {
        var path = Path.Combine(directory, "upstream.pcap");
        var process = launcher.Start("tcpdump", tcpdump,
            ["-i", "lo", "-n", "--time-stamp-precision=nano", "-s", SnapLength, "-B", "16384", "-U", "-w", path,
             "tcp port " + port.ToString(CultureInfo.InvariantCulture)]);
        try
        {
            await process.WaitForLineAsync("listening on lo", TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new PacketCapture(process, path);
    }

    /// <summary>Stops tcpdump (SIGTERM) and waits until the file is complete.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        await _process.TerminateAsync(TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        foreach (var line in _process.Output)
        {
            if (DroppedLine().Match(line) is { Success: true } match)
            {
                KernelDrops = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or TimeoutException)
        {
            // Already gone or stuck: disposing kills it.
        }

        await _process.DisposeAsync().ConfigureAwait(false);
    }

    [GeneratedRegex(@"^(\d+) packets dropped by kernel")]
    private static partial Regex DroppedLine();
}
