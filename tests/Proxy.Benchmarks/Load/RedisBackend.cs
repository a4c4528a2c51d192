using System.Net;
using StackExchange.Redis;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// The Redis a <c>redis-compare</c> run writes to – one <c>redis-server</c>, or a 3-master Redis Cluster with a replica
/// each, both fsyncing every write to their append-only files as production should – and the run's own client on it:
/// command counts of the masters, and the records stream. The commands this client sends itself are counted and left
/// out of <see cref="CommandStatsAsync"/>, so what remains is the proxies' own.
/// </summary>
internal sealed class RedisBackend : IAsyncDisposable
{
    private const string RecordsKey = "dgp:records";

    private readonly IAsyncDisposable _servers;
    private readonly ConnectionMultiplexer _monitor;
    private RedisCommandStats _own = RedisCommandStats.Empty;

    private RedisBackend(string name, string configuration, IAsyncDisposable servers, ConnectionMultiplexer monitor)
    {
        Name = name;
        Configuration = configuration;
        _servers = servers;
        _monitor = monitor;
    }

    public string Name { get; }

    /// <summary>What the proxies get as <c>Redis:Configuration</c>.</summary>
    public string Configuration { get; }

    public int MasterCount => Masters().Count;

    public static async Task<RedisBackend> StartSingleAsync(ProcessLauncher launcher)
    {
        var redis = await RedisServer.LaunchAsync(launcher, durable: true).ConfigureAwait(false);
        return await ConnectAsync("single redis-server", redis.Configuration, redis).ConfigureAwait(false);
    }

    public static async Task<RedisBackend> StartClusterAsync()
    {
        var cluster = await RedisCluster.StartAsync(durable: true).ConfigureAwait(false);
        return await ConnectAsync("Cluster, 3 masters + 3 replicas", cluster.Configuration, cluster).ConfigureAwait(false);
    }

    /// <summary>The master serving <paramref name="key"/>'s slot (the only one, on a single Redis), from the client's
    /// slot map: nothing is sent (<c>IdentifyEndpointAsync</c> would send an <c>EXISTS</c>).</summary>
    public EndPoint MasterOf(RedisKey key) => _monitor.GetServer(key).EndPoint;

    /// <summary>Command calls so far, summed over the masters, without the ones this client sent.</summary>
    public async Task<RedisCommandStats> CommandStatsAsync()
    {
        var masters = Masters();
        var sum = RedisCommandStats.Empty;
        foreach (var master in masters)
        {
            var info = (string?)await master.ExecuteAsync("INFO", "commandstats").ConfigureAwait(false) ?? string.Empty;
            sum = sum.Plus(RedisCommandStats.Parse(info));
        }

        var result = sum.Minus(_own);

        // A node counts a command once it has run: these INFOs show in the next reading.
        CountOwn("info", masters.Count);
        return result;
    }

    /// <summary>Entries in the records stream (<c>XLEN</c>).</summary>
    public async Task<long> RecordsLengthAsync()
    {
        CountOwn("xlen", 1);
        return await _monitor.GetDatabase().StreamLengthAsync(RecordsKey).ConfigureAwait(false);
    }

    /// <summary>The id of the newest entry of the records stream, or null when it is empty.</summary>
    public async Task<string?> LastRecordIdAsync()
    {
        CountOwn("xrevrange", 1);
        var newest = await _monitor.GetDatabase().StreamRangeAsync(RecordsKey, count: 1, messageOrder: Order.Descending).ConfigureAwait(false);
        return newest.Length == 0 ? null : (string?)newest[0].Id;
    }

    /// <summary>The records stream's entries after <paramref name="afterId"/> (all of them when null).</summary>
    public async Task<StreamEntry[]> RecordsAfterAsync(string? afterId)
    {
        CountOwn("xrange", 1);
        return await _monitor.GetDatabase().StreamRangeAsync(RecordsKey, minId: afterId is null ? "-" : "(" + afterId).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _monitor.DisposeAsync().ConfigureAwait(false);
        await _servers.DisposeAsync().ConfigureAwait(false);
    }

    private static async Task<RedisBackend> ConnectAsync(string name, string configuration, IAsyncDisposable servers)
    {
        try
        {
            var monitor = await ConnectionMultiplexer.ConnectAsync(configuration + ",allowAdmin=true,connectTimeout=10000").ConfigureAwait(false);
            return new RedisBackend(name, configuration, servers, monitor);
        }
        catch
        {
            await servers.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private List<IServer> Masters() => [.. _monitor.GetServers().Where(s => s.IsConnected && !s.IsReplica)];

    private void CountOwn(string command, int calls) =>
        _own = _own.Plus(RedisCommandStats.Of(command, calls));
}
