using System.Globalization;
using StackExchange.Redis;

namespace Proxy.TestSupport;

/// <summary>A real redis-server on a free loopback port with its own directory.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly ProcessLauncher _launcher;
    private readonly string _directory;
    private readonly bool _durable;
    private readonly string[] _extraArguments;
    private ChildProcess? _process;

    private RedisServer(ProcessLauncher launcher, int port, string directory, bool durable, string[] extraArguments)
    {
        _launcher = launcher;
        Port = port;
        _directory = directory;
        _durable = durable;
        _extraArguments = extraArguments;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>The test's own client; null for a load run's Redis, which nothing but the proxy talks to.</summary>
    public IConnectionMultiplexer? Connection { get; private set; }

    public IDatabase Database => Connection!.GetDatabase();

    /// <summary>Starts a Redis for a test, with <see cref="Connection"/> connected. A <paramref name="durable"/> one
    /// fsyncs every write to its append-only file, as the proxy's zero-loss guarantee requires, so it survives kill -9
    /// with everything it acknowledged. <paramref name="extraArguments"/> go on redis-server's command line (e.g.
    /// <c>--maxmemory-policy allkeys-lru</c>).</summary>
    public static async Task<RedisServer> StartAsync(bool durable = false, params string[] extraArguments)
    {
        var server = await LaunchAsync(ProcessLauncher.Tests, durable, extraArguments).ConfigureAwait(false);
        server.Connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration).ConfigureAwait(false);
        return server;
    }

    /// <summary>Starts a Redis without a client of its own.</summary>
    public static async Task<RedisServer> LaunchAsync(ProcessLauncher launcher, bool durable, params string[] extraArguments)
    {
        var server = new RedisServer(launcher, FreePort.Next(), launcher.CreateDirectory("redis"), durable, extraArguments);
        await server.RunAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Kills Redis hard (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (_process is not null)
        {
            await _process.KillAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Freezes Redis (SIGSTOP): its connections stay open but nothing answers, as across a network that
    /// drops packets; clients still believe they are connected until their commands time out.</summary>
    public Task FreezeAsync() => _process!.SignalAsync("STOP");

    /// <summary>Lets a frozen Redis run again; it then executes whatever its clients had sent meanwhile.</summary>
    public Task ThawAsync() => _process!.SignalAsync("CONT");

    /// <summary>Starts Redis again on the same port and directory.</summary>
    public Task RestartAsync() => RunAsync();

    public async ValueTask DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
        }

        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
        }

        _launcher.ReleaseDirectory(_directory);
    }

    private async Task RunAsync()
    {
        _process = _launcher.Start("redis", Executables.Find("redis-server", "redis-server"),
            ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory,
             "--save", "", "--appendonly", _durable ? "yes" : "no", "--appendfsync", "always", "--protected-mode", "yes", .. _extraArguments]);
        await _process.WaitForLineAsync("Ready to accept connections", TimeSpan.FromSeconds(20)).ConfigureAwait(false);
    }
}
