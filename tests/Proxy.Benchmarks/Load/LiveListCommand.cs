using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Metering;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// <c>live-list</c>: what one refresh of the live-sessions page costs with many customers and few live sessions. One
/// <c>redis-server</c>, one proxy, the emulator; <c>--customers</c> customers, <c>--live</c> of them with a session
/// open. Then <c>--refreshes</c> reads of the live list each way, one after another: the way the endpoint read before
/// the live-customers index (every customer's leases, pipelined, then the live sessions' hashes – the same store calls,
/// from this process), the index way (the same, for the customers the index lists), and
/// <c>GET /admin/v1/sessions/live</c> through the proxy (the index way plus HTTP and JSON). Prints per way the latency
/// per refresh (p50/p99) and the Redis commands per refresh (<c>INFO commandstats</c> deltas, script-internal commands
/// included, less what the proxy sent in an idle window of the same length).
/// </summary>
internal static class LiveListCommand
{
    private static readonly string[] Options = ["--customers", "--live", "--refreshes", "--out"];
    private static readonly string[] Flags = [];
    private const int WarmUpRefreshes = 20;
    private const int CreateConcurrency = 16;

    public const string Usage = """
        live-list [options]
          --customers N        customers (default 1000)
          --live N             of them with one live session each (default 10)
          --refreshes N        live-list reads per way (default 200)
          --out PATH           also write the table to PATH
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        int customerCount, liveCount, refreshes;
        string? outPath;
        try
        {
            var parsed = CommandLineArguments.Parse(args, Options, Flags);
            customerCount = parsed.GetInt("--customers", 1000, 1, 100_000);
            liveCount = parsed.GetInt("--live", 10, 0, customerCount);
            refreshes = parsed.GetInt("--refreshes", 200, 1, 100_000);
            outPath = parsed.Get("--out");
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + "\n\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        var workDirectory = Directory.CreateTempSubdirectory("dgproxy-live-list-").FullName;
        Console.Error.WriteLine($"live-list: logs in {workDirectory}");
        var launcher = ProcessLauncher.LoadRun(workDirectory, new Dictionary<string, string?> { [GeneratorRuntime.InlineCompletionsVariable] = null });

        // Sessions stay open for the whole run, and nothing periodic but the refreshes talks to Redis meanwhile: no
        // idle close, heartbeats once a minute, the reaper and the sweep at their longest intervals.
        var proxySettings = new Dictionary<string, string>
        {
            ["Sessions:IdleTimeout"] = "01:00:00",
            ["Sessions:HeartbeatInterval"] = "00:01:00",
            ["Sessions:LeaseTtl"] = "00:05:00",
            ["Storage:ReaperInterval"] = "00:10:00",
            ["Storage:RetentionSweepInterval"] = "01:00:00",
        };

        await using var emulator = await TargetStack.StartEmulatorAsync(launcher, "emulator").ConfigureAwait(false);
        await using var redis = await RedisBackend.StartSingleAsync(launcher).ConfigureAwait(false);
        await using var proxy = await ProxyServer.StartAsync(launcher, redis.Configuration, emulator.WebSocketUrl, emulator.ApiKey, proxySettings, null).ConfigureAwait(false);
        await proxy.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"live-list: creating {customerCount} customers, {liveCount} with a live session"));
        var keys = await CreateCustomersAsync(proxy, customerCount, liveCount).ConfigureAwait(false);
        var sockets = new List<ClientWebSocket>();
        using var stop = new CancellationTokenSource();
        Task keepAlive = Task.CompletedTask;
        try
        {
            foreach (var key in keys)
            {
                sockets.Add(await OpenSessionAsync(proxy, key).ConfigureAwait(false));
            }

            keepAlive = KeepAliveAsync(sockets, stop.Token);

            await using var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration).ConfigureAwait(false);
            var redisKeys = new RedisKeys("dgp:");
            var reads = new LiveListReads(client, redisKeys);
            var ways = new (string Name, Func<Task<int>> Refresh)[]
            {
                ("every customer's leases (before the index)", reads.EveryCustomerAsync),
                ("live-customers index", reads.IndexedAsync),
                ("GET /admin/v1/sessions/live (index, HTTP, JSON)", () => HttpRefreshAsync(proxy)),
            };

            var results = new List<WayResult>();
            foreach (var (name, refresh) in ways)
            {
                Console.Error.WriteLine($"live-list: {name}");
                results.Add(await MeasureAsync(name, refresh, refreshes, redis).ConfigureAwait(false));
            }

            var report = Report(customerCount, liveCount, refreshes, results);
            await Console.Out.WriteAsync(report).ConfigureAwait(false);
            if (outPath is not null)
            {
                await File.WriteAllTextAsync(outPath, report).ConfigureAwait(false);
            }

            if (results.Any(r => r.Listed != liveCount))
            {
                await Console.Error.WriteLineAsync($"live-list: FAILED: a way did not list the {liveCount} live sessions; logs kept in {workDirectory}").ConfigureAwait(false);
                return 1;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await keepAlive.ConfigureAwait(false);
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }
        }

        Directory.Delete(workDirectory, recursive: true);
        return 0;
    }

    private static async Task<List<string>> CreateCustomersAsync(ProxyServer proxy, int count, int live)
    {
        var keys = new string?[live];
        using var gate = new SemaphoreSlim(CreateConcurrency);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async n =>
        {
            await gate.WaitAsync().ConfigureAwait(false);
            try
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"live-list-{n:D6}");
                if (n < live)
                {
                    keys[n] = (await proxy.IssueKeyAsync(id).ConfigureAwait(false)).Secret;
                }
                else
                {
                    await proxy.PutCustomerAsync(id).ConfigureAwait(false);
                }
            }
            finally
            {
                gate.Release();
            }
        })).ConfigureAwait(false);
        return [.. keys.Select(k => k!)];
    }

    private static async Task<ClientWebSocket> OpenSessionAsync(ProxyServer proxy, string key)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Token " + key);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(proxy.AgentUrl(), timeout.Token).ConfigureAwait(false);

        // The Welcome: the upstream session is open, and so is the record.
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, timeout.Token).ConfigureAwait(false);
        var text = Encoding.UTF8.GetString(buffer, 0, received.Count);
        if (!text.Contains("Welcome", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("live-list: expected a Welcome, got " + text);
        }

        return socket;
    }

    // Deepgram (and the emulator) close a session that sends nothing for 10 s: a KeepAlive every 3 s, as SDKs do.
    private static async Task KeepAliveAsync(List<ClientWebSocket> sockets, CancellationToken stop)
    {
        var message = Encoding.UTF8.GetBytes("""{"type":"KeepAlive"}""");
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(3));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                foreach (var socket in sockets)
                {
                    await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    private static async Task<int> HttpRefreshAsync(ProxyServer proxy)
    {
        var live = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/sessions/live", UriKind.Relative)).ConfigureAwait(false);
        return live.GetProperty("sessions").GetArrayLength();
    }

    private static async Task<WayResult> MeasureAsync(string name, Func<Task<int>> refresh, int refreshes, RedisBackend redis)
    {
        for (var i = 0; i < WarmUpRefreshes; i++)
        {
            await refresh().ConfigureAwait(false);
        }

        var times = new double[refreshes];
        var listed = -1;
        var before = await redis.CommandStatsAsync().ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < refreshes; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var count = await refresh().ConfigureAwait(false);
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            listed = i == 0 || count == listed ? count : -1;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var during = (await redis.CommandStatsAsync().ConfigureAwait(false)).Minus(before);

        // What the proxy sends on its own in as long (heartbeats, registry, locks) is not the refreshes' cost.
        await Task.Delay(elapsed).ConfigureAwait(false);
        var idle = (await redis.CommandStatsAsync().ConfigureAwait(false)).Minus(before).Minus(during);

        Array.Sort(times);
        var perRefresh = (double)(during.Total - idle.Total) / refreshes;
        var top = string.Join(", ", during.Minus(idle).Commands.Take(4).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c} {(double)during.Minus(idle)[c] / refreshes:0.#}")));
        return new WayResult(name, Percentile(times, 0.50), Percentile(times, 0.99), times.Average(), perRefresh, top, listed);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static string Report(int customers, int live, int refreshes, List<WayResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"live-list: {customers} customers, {live} live sessions (one each), {refreshes} refreshes per way, one redis-server, {Environment.ProcessorCount} cores");
        text.AppendLine();
        text.AppendLine("| read | p50 ms | p99 ms | mean ms | Redis commands / refresh | most called / refresh | sessions listed |");
        text.AppendLine("|---|---:|---:|---:|---:|---|---:|");
        foreach (var r in results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.MeanMs:0.00} | {r.CommandsPerRefresh:0.#} | {r.TopCommands} | {r.Listed} |");
        }

        var before = results[0];
        var indexed = results[1];
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"index vs before: p50 {before.P50Ms / indexed.P50Ms:0.0}× faster, {before.CommandsPerRefresh / Math.Max(1, indexed.CommandsPerRefresh):0.0}× fewer Redis commands per refresh");
        return text.ToString();
    }

    private sealed record WayResult(string Name, double P50Ms, double P99Ms, double MeanMs, double CommandsPerRefresh, string TopCommands, int Listed);

    /// <summary>The live list's Redis reads, as the endpoint does them (same store calls), with the customers from the
    /// set of every customer (before) or from the live-customers index (now).</summary>
    private sealed class LiveListReads(IConnectionMultiplexer redis, RedisKeys keys)
    {
        private readonly SessionLeaseStore _leases = new(redis, keys, new LiveCustomerIndex(redis, keys), NullLogger<SessionLeaseStore>.Instance);
        private readonly LiveCustomerIndex _index = new(redis, keys);

        public async Task<int> EveryCustomerAsync()
        {
            var ids = await redis.GetDatabase().SetMembersAsync(keys.Customers).ConfigureAwait(false);
            return await ReadAsync([.. ids.Select(id => (string)id!)]).ConfigureAwait(false);
        }

        public async Task<int> IndexedAsync() => await ReadAsync(await _index.LiveCustomersAsync().ConfigureAwait(false)).ConfigureAwait(false);

        private async Task<int> ReadAsync(IReadOnlyList<string> customerIds)
        {
            var perCustomer = await Task.WhenAll(customerIds.Select(LiveOfCustomerAsync)).ConfigureAwait(false);
            return perCustomer.Sum();
        }

        private async Task<int> LiveOfCustomerAsync(string customerId)
        {
            var live = await _leases.LiveAsync(customerId).ConfigureAwait(false);
            if (live.Count == 0)
            {
                return 0;
            }

            var db = redis.GetDatabase();
            var hashes = await Task.WhenAll(live.Select(l => db.HashGetAllAsync(keys.Session(customerId, l.SessionId)))).ConfigureAwait(false);
            return hashes.Count(h => SessionRecordHash.FromHash(h) is { Status: SessionStatus.Open });
        }
    }
}
