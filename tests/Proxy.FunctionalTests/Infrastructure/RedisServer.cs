using StackExchange.Redis;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>A real redis-server on a free loopback port with its own temporary directory.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private ChildProcess? _process;

    private readonly bool _durable;
    private readonly string[] _extraArguments;

    private RedisServer(int port, string directory, bool durable, string[] extraArguments)
    {
        Port = port;
        _directory = directory;
        _durable = durable;
        _extraArguments = extraArguments;
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    public IConnectionMultiplexer? Connection { get; private set; }

    public IDatabase Database => Connection!.GetDatabase();

    /// <summary>Starts a Redis; a <paramref name="durable"/> one fsyncs every write to its append-only file, as the
    /// proxy's zero-loss guarantee requires, so it survives kill -9 with everything it acknowledged.
    /// <paramref name="extraArguments"/> go on redis-server's command line (e.g. <c>--maxmemory-policy allkeys-lru</c>).</summary>
    public static async Task<RedisServer> StartAsync(bool durable = false, params string[] extraArguments)
    {
        var executable = FindExecutable();
        var directory = Directory.CreateTempSubdirectory("dgproxy-redis-").FullName;
        var server = new RedisServer(FreePort.Next(), directory, durable, extraArguments);
        await server.LaunchAsync(executable).ConfigureAwait(false);
        server.Connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration).ConfigureAwait(false);
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
    public Task RestartAsync() => LaunchAsync(FindExecutable());

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

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task LaunchAsync(string executable)
    {
        _process = ChildProcess.Start("redis-server", executable,
            ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory,
             "--save", "", "--appendonly", _durable ? "yes" : "no", "--appendfsync", "always", "--protected-mode", "yes", .. _extraArguments]);
        await _process.WaitForLineAsync("Ready to accept connections", TimeSpan.FromSeconds(20)).ConfigureAwait(false);
    }

    private static string FindExecutable() => Executables.Find("redis-server", "redis-server");
}
