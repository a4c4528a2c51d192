using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Proxy.TestSupport;

/// <summary>
/// A real Redis Cluster on loopback: three masters with one replica each, six <c>redis-server</c> processes joined by
/// <c>redis-cli --cluster create</c>. <see cref="Configuration"/> lists every node, as an operator gives them to the
/// proxy; <see cref="KillMasterOwningAsync"/> makes a failover the way a crashed master does.
/// </summary>
internal sealed class RedisCluster : IAsyncDisposable
{
    /// <summary>How many masters the cluster has (each with one replica).</summary>
    public const int Masters = 3;

    private const int NodeCount = Masters * 2;

    // The cluster bus listens on port + 10000: ports above this leave it nowhere to go.
    private const int HighestPort = 55534;

    private static readonly TimeSpan FormationTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromSeconds(40);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _directory;
    private readonly bool _durable;
    private readonly Dictionary<int, ChildProcess> _nodes = [];
    private readonly HashSet<int> _killed = [];

    private RedisCluster(string directory, bool durable)
    {
        _directory = directory;
        _durable = durable;
    }

    public IReadOnlyList<int> Ports => [.. _nodes.Keys];

    /// <summary>Every node, comma-separated: what <c>Redis:Configuration</c> takes for a cluster.</summary>
    public string Configuration => string.Join(',', _nodes.Keys.Select(p => $"127.0.0.1:{p}"));

    /// <summary>The test's own client (admin commands allowed), following the cluster's slot map.</summary>
    public IConnectionMultiplexer Connection { get; private set; } = null!;

    public IDatabase Database => Connection.GetDatabase();

    /// <summary>Starts six nodes and forms the cluster; returns once every node reports <c>cluster_state:ok</c> and
    /// every replica's link to its master is up. A <paramref name="durable"/> cluster fsyncs every write to each node's
    /// append-only file, as <see cref="RedisServer"/> does.</summary>
    public static async Task<RedisCluster> StartAsync(bool durable = false)
    {
        var cluster = new RedisCluster(ProcessLauncher.Tests.CreateDirectory("redis-cluster"), durable);
        try
        {
            await cluster.FormAsync().ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The port of the master that serves <paramref name="key"/>'s slot now.</summary>
    public async Task<int> MasterPortOfAsync(RedisKey key)
    {
        var slot = Connection.GetHashSlot(key);
        var nodes = await ClusterNodesAsync(AnyLivePort()).ConfigureAwait(false);
        return nodes.Single(n => n.IsMaster && n.Slots.Any(range => range.Start <= slot && slot <= range.End)).Port;
    }

    /// <summary>Kills the master serving <paramref name="key"/>'s slot with SIGKILL, then waits until its replica has
    /// taken over (the slot served by another, live master) and every surviving node reports <c>cluster_state:ok</c>.
    /// Returns the killed node's port.</summary>
    /// <param name="afterKill">Runs right after the kill, before the wait (e.g. thawing a frozen replica, which can
    /// only take over once it runs again).</param>
    public async Task<int> KillMasterOwningAsync(RedisKey key, Func<Task>? afterKill = null)
    {
        var port = await MasterPortOfAsync(key).ConfigureAwait(false);
        await KillNodeAsync(port).ConfigureAwait(false);
        if (afterKill is not null)
        {
            await afterKill().ConfigureAwait(false);
        }

        var slot = Connection.GetHashSlot(key);
        await PollAsync(async () =>
        {
            foreach (var live in LivePorts())
            {
                var nodes = await ClusterNodesAsync(live).ConfigureAwait(false);
                var owner = nodes.SingleOrDefault(n => n.IsMaster && n.Slots.Any(range => range.Start <= slot && slot <= range.End));
                if (owner is null || owner.Port == port || _killed.Contains(owner.Port) || !await IsStateOkAsync(live).ConfigureAwait(false))
                {
                    return false;
                }
            }

            return true;
        }, FailoverTimeout, $"slot {slot} taken over by a replica after master {port} was killed").ConfigureAwait(false);
        return port;
    }

    /// <summary>Freezes (SIGSTOP) the replica of the master serving <paramref name="key"/>'s slot and has the master drop
    /// its replication link: the master goes on acknowledging writes that reach no replica, as when replication lags.
    /// (A freeze alone is not enough: what the master sent waits in the frozen replica's socket and is applied when it
    /// runs again.) Returns the replica's port.</summary>
    public async Task<int> FreezeReplicaOfAsync(RedisKey key)
    {
        var master = await MasterPortOfAsync(key).ConfigureAwait(false);
        var replica = 0;

        // Right after the cluster formed, the master may not list its replica yet (the replica's link is up before
        // gossip tells the master whose replica it is).
        try
        {
            await PollAsync(async () =>
            {
                var nodes = await ClusterNodesAsync(master).ConfigureAwait(false);
                var masterId = nodes.Single(n => n.Port == master).Id;
                replica = nodes.SingleOrDefault(n => n.MasterId == masterId && !_killed.Contains(n.Port))?.Port ?? 0;
                return replica != 0;
            }, FormationTimeout, $"master {master} listing its replica").ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}\n{await DescribeAsync().ConfigureAwait(false)}", ex);
        }

        await _nodes[replica].SignalAsync("STOP").ConfigureAwait(false);
        await Server(master).ExecuteAsync("CLIENT", "KILL", "TYPE", "replica").ConfigureAwait(false);
        return replica;
    }

    /// <summary>Whether the master serving <paramref name="key"/>'s slot has a replica that was not killed (after a
    /// failover the promoted replica has none until its old master comes back).</summary>
    public async Task<bool> HasLiveReplicaAsync(RedisKey key)
    {
        var master = await MasterPortOfAsync(key).ConfigureAwait(false);
        var nodes = await ClusterNodesAsync(master).ConfigureAwait(false);
        var masterId = nodes.Single(n => n.Port == master).Id;
        return nodes.Any(n => n.MasterId == masterId && !_killed.Contains(n.Port));
    }

    /// <summary>Every node's view (CLUSTER NODES and its replication role), for a failure message.</summary>
    private async Task<string> DescribeAsync()
    {
        var text = new System.Text.StringBuilder();
        foreach (var port in LivePorts())
        {
            try
            {
                var nodes = (string?)await Server(port).ExecuteAsync("CLUSTER", "NODES").ConfigureAwait(false);
                var replication = (string?)await Server(port).ExecuteAsync("INFO", "replication").ConfigureAwait(false);
                var role = string.Join(' ', (replication ?? string.Empty).Split('\n', StringSplitOptions.TrimEntries)
                    .Where(line => line.StartsWith("role:", StringComparison.Ordinal) || line.StartsWith("master_port:", StringComparison.Ordinal)
                        || line.StartsWith("master_link_status:", StringComparison.Ordinal) || line.StartsWith("connected_slaves:", StringComparison.Ordinal)));
                text.Append(CultureInfo.InvariantCulture, $"node {port}: {role}\n{nodes}\n");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                text.Append(CultureInfo.InvariantCulture, $"node {port}: {ex.GetType().Name}: {ex.Message}\n");
            }
        }

        return text.ToString();
    }

    /// <summary>Lets a node frozen by <see cref="FreezeReplicaOfAsync"/> run again.</summary>
    public Task ThawAsync(int port) => _nodes[port].SignalAsync("CONT");

    /// <summary>Kills the <paramref name="index"/>th master (by port, 0–2) and waits for its replica's promotion.</summary>
    public async Task<int> KillMasterAsync(int index)
    {
        var masters = (await ClusterNodesAsync(AnyLivePort()).ConfigureAwait(false))
            .Where(n => n.IsMaster && n.Slots.Count > 0 && !_killed.Contains(n.Port))
            .OrderBy(n => n.Port)
            .ToList();
        var slot = masters[index].Slots[0].Start;
        var key = KeyInSlot(slot);
        return await KillMasterOwningAsync(key).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Connection is not null)
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
        }

        foreach (var node in _nodes.Values)
        {
            await node.KillAsync().ConfigureAwait(false);
            await node.DisposeAsync().ConfigureAwait(false);
        }

        ProcessLauncher.Tests.ReleaseDirectory(_directory);
    }

    private async Task FormAsync()
    {
        var server = Executables.Find("redis-server", "redis-server");
        foreach (var port in PickPorts())
        {
            _nodes[port] = ProcessLauncher.Tests.Start($"redis-{port}", server,
                ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory,
                 "--cluster-enabled", "yes", "--cluster-config-file", $"nodes-{port}.conf", "--cluster-node-timeout", "2000",
                 "--appendonly", _durable ? "yes" : "no", "--appendfilename", $"appendonly-{port}.aof",
                 "--appenddirname", $"aof-{port}", "--appendfsync", "always", "--save", "", "--protected-mode", "yes"]);
        }

        foreach (var node in _nodes.Values)
        {
            await node.WaitForLineAsync("Ready to accept connections", TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        }

        await using (var create = ProcessLauncher.Tests.Start("redis-cli-cluster-create", Executables.Find("redis-cli", "redis-tools"),
            ["--cluster", "create", .. _nodes.Keys.Select(p => $"127.0.0.1:{p}"), "--cluster-replicas", "1", "--cluster-yes"]))
        {
            var exit = await create.WaitForExitAsync(FormationTimeout).ConfigureAwait(false);
            if (exit != 0)
            {
                throw new InvalidOperationException($"redis-cli --cluster create failed ({exit}): {string.Join('\n', create.Output.TakeLast(20))}");
            }
        }

        Connection = await ConnectionMultiplexer.ConnectAsync(Configuration + ",allowAdmin=true,connectTimeout=10000").ConfigureAwait(false);
        await PollAsync(IsFormedAsync, FormationTimeout, "cluster_state:ok on every node with every replica linked").ConfigureAwait(false);

        // The client read the slot map while the cluster was still forming: read it again now that it is whole.
        await ((ConnectionMultiplexer)Connection).ReconfigureAsync("cluster formed").ConfigureAwait(false);
    }

    private async Task<bool> IsFormedAsync()
    {
        var replicas = 0;
        foreach (var port in _nodes.Keys)
        {
            if (!await IsStateOkAsync(port).ConfigureAwait(false))
            {
                return false;
            }

            var replication = (string)(await Server(port).ExecuteAsync("INFO", "replication").ConfigureAwait(false))!;
            if (replication.Contains("role:slave", StringComparison.Ordinal))
            {
                if (!replication.Contains("master_link_status:up", StringComparison.Ordinal))
                {
                    return false;
                }

                replicas++;
            }
        }

        return replicas == NodeCount - Masters;
    }

    private async Task<bool> IsStateOkAsync(int port)
    {
        try
        {
            var info = (string)(await Server(port).ExecuteAsync("CLUSTER", "INFO").ConfigureAwait(false))!;
            return info.Contains("cluster_state:ok", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    private async Task<List<ClusterNodeLine>> ClusterNodesAsync(int port)
    {
        // Over RESP3 the answer is a verbatim string, handed over with its "txt:" format in front of the first line.
        var text = (string)(await Server(port).ExecuteAsync("CLUSTER", "NODES").ConfigureAwait(false))!;
        text = text.StartsWith("txt:", StringComparison.Ordinal) ? text["txt:".Length..] : text;
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(ClusterNodeLine.Parse)];
    }

    private IServer Server(int port) => Connection.GetServer(new IPEndPoint(IPAddress.Loopback, port));

    private async Task KillNodeAsync(int port)
    {
        _killed.Add(port);
        await _nodes[port].KillAsync().ConfigureAwait(false);
    }

    private IEnumerable<int> LivePorts() => _nodes.Keys.Where(p => !_killed.Contains(p));

    private int AnyLivePort() => LivePorts().First();

    // A key whose slot is the given one: short names tried in order; every slot has one within a few thousand.
    private RedisKey KeyInSlot(int slot)
    {
        for (var i = 0; i < 1_000_000; i++)
        {
            var key = "slot-probe-" + i.ToString(CultureInfo.InvariantCulture);
            if (Connection.GetHashSlot(key) == slot)
            {
                return key;
            }
        }

        throw new InvalidOperationException($"no probe key found for slot {slot}");
    }

    private static async Task PollAsync(Func<Task<bool>> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await done().ConfigureAwait(false))
                {
                    return;
                }

                last = null;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException && DateTime.UtcNow < deadline)
            {
                // A node not answering yet (or the client still reconnecting to it): ask again.
                last = ex;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Redis Cluster: not {what} within {timeout}" + (last is null ? string.Empty : $" (last asked: {last.GetType().Name}: {last.Message})"));
            }

            await Task.Delay(PollInterval).ConfigureAwait(false);
        }
    }

    // Six ports below HighestPort whose bus ports (+10000) are free too.
    private static List<int> PickPorts()
    {
        var ports = new List<int>();
        for (var attempt = 0; attempt < 1000 && ports.Count < NodeCount; attempt++)
        {
            var port = FreePort.Next();
            if (port <= HighestPort && !ports.Contains(port) && IsFree(port + 10000))
            {
                ports.Add(port);
            }
        }

        return ports.Count == NodeCount ? ports : throw new InvalidOperationException("no free loopback ports for a Redis Cluster");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>One line of CLUSTER NODES: id, address, flags, master id ("-" for a master), ..., slot ranges.</summary>
    private sealed record ClusterNodeLine(string Id, int Port, bool IsMaster, string MasterId, IReadOnlyList<(int Start, int End)> Slots)
    {
        public static ClusterNodeLine Parse(string line)
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var address = fields[1];
            var port = int.Parse(address[(address.LastIndexOf(':') + 1)..address.IndexOf('@', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
            var flags = fields[2].Split(',');
            var isMaster = flags.Contains("master") && !flags.Contains("fail") && !flags.Contains("fail?");
            var slots = new List<(int, int)>();
            foreach (var range in fields.Skip(8))
            {
                if (range.StartsWith('['))
                {
                    continue; // a slot being migrated or imported
                }

                var dash = range.IndexOf('-', StringComparison.Ordinal);
                slots.Add(dash < 0
                    ? (int.Parse(range, CultureInfo.InvariantCulture), int.Parse(range, CultureInfo.InvariantCulture))
                    : (int.Parse(range[..dash], CultureInfo.InvariantCulture), int.Parse(range[(dash + 1)..], CultureInfo.InvariantCulture)));
            }

            return new ClusterNodeLine(fields[0], port, isMaster, fields[3], slots);
        }
    }
}
