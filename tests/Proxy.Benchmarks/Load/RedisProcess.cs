using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Proxy.Benchmarks.Load;

/// <summary>A real redis-server on a free loopback port, configured as deploy/local runs it (every write fsync'd to
/// the append-only file, what the proxy's no-loss guarantee rests on).</summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private readonly ManagedProcess _process;

    private RedisProcess(ManagedProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync(string workDirectory)
    {
        var directory = Directory.CreateDirectory(Path.Combine(workDirectory, "redis")).FullName;
        var port = FreePort.Next();
        var process = ManagedProcess.Start("redis", Executables.Find("redis-server", "redis-server"),
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
             "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "yes"],
            workDirectory);
        await process.WaitUntilAsync(() => PingAsync(port), TimeSpan.FromSeconds(20), "answering PING").ConfigureAwait(false);
        return new RedisProcess(process, port);
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray()).ConfigureAwait(false);
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer).ConfigureAwait(false);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            return false;
        }
    }
}
