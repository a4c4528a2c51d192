using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// <c>redis-compare</c>: the same short-session load – many customers, two proxy instances, one emulator – against a
/// single <c>redis-server</c>, a Redis Cluster without replica confirmation (<c>Storage:ReplicaAckTimeout</c> 0), and
/// the cluster with it (the default), one after the other; prints one markdown row per setup: records found, the
/// proxies' CPU, Redis commands and <c>WAIT</c>s per session, and how soon a closed record was readable.
/// </summary>
internal static class RedisCompareCommand
{
    private const string PlanId = "load";

    private static readonly string[] Options = ["--sessions", "--customers", "--frames", "--concurrency", "--out"];
    private static readonly string[] Flags = ["--quick"];

    // Every final and every replay of a spooled one is in Redis well within this once the clients are done.
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SettlePoll = TimeSpan.FromMilliseconds(100);

    public const string Usage = """
        redis-compare [options]
          --quick              CI setting: 40 sessions over 12 customers (default 300 over 30)
          --sessions N         sessions per Redis setup
          --customers N        customers, spread evenly over the cluster's masters
          --frames N           audio frames each session streams, 20 ms apart (default 10)
          --concurrency N      sessions at a time (default 50; 20 with --quick)
          --out PATH           also write the table to PATH
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        RedisCompareSettings settings;
        try
        {
            settings = Parse(CommandLineArguments.Parse(args, Options, Flags));
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + "\n\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        var started = Stopwatch.GetTimestamp();
        var workDirectory = Directory.CreateTempSubdirectory("dgproxy-redis-load-").FullName;
        Console.Error.WriteLine($"redis-compare: logs in {workDirectory}");

        // The generator's own socket tuning (see GeneratorRuntime) must not change how a target runs.
        var launcher = ProcessLauncher.LoadRun(workDirectory, new Dictionary<string, string?> { [GeneratorRuntime.InlineCompletionsVariable] = null });
        var results = new List<RedisLoadResult>();
        await using (var emulator = await TargetStack.StartEmulatorAsync(launcher, "emulator").ConfigureAwait(false))
        {
            await using (var single = await RedisBackend.StartSingleAsync(launcher).ConfigureAwait(false))
            {
                results.Add(await RunAsync("single", single, replicaAckTimeout: null, emulator, launcher, settings).ConfigureAwait(false));
            }

            Console.Error.WriteLine("== Redis Cluster: forming");
            await using var cluster = await RedisBackend.StartClusterAsync().ConfigureAwait(false);
            results.Add(await RunAsync("nowait", cluster, replicaAckTimeout: "00:00:00", emulator, launcher, settings).ConfigureAwait(false));
            results.Add(await RunAsync("wait", cluster, replicaAckTimeout: null, emulator, launcher, settings).ConfigureAwait(false));
        }

        var report = Report(settings, results);
        await Console.Out.WriteAsync(report).ConfigureAwait(false);
        if (settings.OutPath is { } outPath)
        {
            await File.WriteAllTextAsync(outPath, report).ConfigureAwait(false);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"redis-compare: {Stopwatch.GetElapsedTime(started).TotalSeconds:N0} s"));
        if (results.All(r => r.Clean))
        {
            Directory.Delete(workDirectory, recursive: true);
            return 0;
        }

        await Console.Error.WriteAsync(ResultTable.Errors(results.Select(r => ($"{r.Redis}, {r.ReplicaAck}", r.Load.ErrorMessages)))).ConfigureAwait(false);
        await Console.Error.WriteLineAsync($"redis-compare: FAILED (session errors, or records missing, duplicated or left open); logs kept in {workDirectory}").ConfigureAwait(false);
        return 1;
    }

    private static RedisCompareSettings Parse(CommandLineArguments parsed)
    {
        var quick = parsed.Has("--quick");
        return new RedisCompareSettings(
            parsed.GetInt("--sessions", quick ? 40 : 300, 1, 100_000),
            parsed.GetInt("--customers", quick ? 12 : 30, 1, 10_000),
            parsed.GetInt("--frames", 10, 0, 10_000),
            parsed.GetInt("--concurrency", quick ? 20 : 50, 1, 10_000),
            quick,
            parsed.Get("--out"));
    }

    /// <param name="label">Prefixes the customer ids and client session ids: each run has its own, so runs on the same
    /// cluster do not mix.</param>
    /// <param name="replicaAckTimeout">The proxies' <c>Storage:ReplicaAckTimeout</c>; null keeps the default.</param>
    private static async Task<RedisLoadResult> RunAsync(string label, RedisBackend redis, string? replicaAckTimeout, EmulatorServer emulator, ProcessLauncher launcher, RedisCompareSettings settings)
    {
        var ackText = replicaAckTimeout is null ? "default" : replicaAckTimeout + " (off)";
        Console.Error.WriteLine($"== {redis.Name}, Storage:ReplicaAckTimeout {ackText}: starting two proxies");
        var proxySettings = new Dictionary<string, string>();
        if (replicaAckTimeout is not null)
        {
            proxySettings["Storage:ReplicaAckTimeout"] = replicaAckTimeout;
        }

        var instances = await Task.WhenAll(
            ProxyServer.StartAsync(launcher, redis.Configuration, emulator.WebSocketUrl, emulator.ApiKey, proxySettings, null),
            ProxyServer.StartAsync(launcher, redis.Configuration, emulator.WebSocketUrl, emulator.ApiKey, proxySettings, null)).ConfigureAwait(false);
        try
        {
            foreach (var instance in instances)
            {
                await instance.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            }

            var admin = instances[0];
            using (var plan = await admin.Admin.PutAsJsonAsync(new Uri($"/admin/v1/plans/{PlanId}", UriKind.Relative), new { currency = "USD", per_minute_micros = 150_000 }).ConfigureAwait(false))
            {
                plan.EnsureSuccessStatusCode();
            }

            var (customers, perMaster) = await CustomersAsync(label, redis, admin, settings.Customers).ConfigureAwait(false);

            // Code paths compiled and connections to every master made before anything is measured.
            var warmUpCustomers = await CustomersAsync(label + "-warmup", redis, admin, 3).ConfigureAwait(false);
            var beforeWarmUp = await redis.RecordsLengthAsync().ConfigureAwait(false);
            var warmUp = await ShortSessionLoad.RunAsync(label + "-warmup", instances, warmUpCustomers.Customers, 12, settings.FramesPerSession, settings.Concurrency).ConfigureAwait(false);
            if (warmUp.Errors > 0)
            {
                throw new InvalidOperationException($"{label}: the warm-up failed: {string.Join("; ", warmUp.ErrorMessages)}");
            }

            await SettleAsync(redis, instances, beforeWarmUp + warmUp.Opened.Count).ConfigureAwait(false);

            var streamBaseline = await redis.LastRecordIdAsync().ConfigureAwait(false);
            var streamLength = await redis.RecordsLengthAsync().ConfigureAwait(false);
            var spooledBefore = await FinalsSpooledAsync(instances).ConfigureAwait(false);
            var pids = instances.Select(i => i.Process.Id).ToArray();
            var commandsBefore = await redis.CommandStatsAsync().ConfigureAwait(false);
            var cpuBefore = ProcessMeter.Sample(pids);

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{label}: {settings.Sessions} sessions of {settings.FramesPerSession} frames, {customers.Count} customers, {settings.Concurrency} at a time"));
            var load = await ShortSessionLoad.RunAsync(label, instances, customers, settings.Sessions, settings.FramesPerSession, settings.Concurrency).ConfigureAwait(false);
            var settled = await SettleAsync(redis, instances, streamLength + load.Opened.Count).ConfigureAwait(false);

            var cpuAfter = ProcessMeter.Sample(pids);
            var commands = (await redis.CommandStatsAsync().ConfigureAwait(false)).Minus(commandsBefore);
            var spooled = await FinalsSpooledAsync(instances).ConfigureAwait(false) - spooledBefore;
            var records = await RecordAudit.RunAsync(admin, redis, customers, load.Opened, streamBaseline).ConfigureAwait(false);
            var result = new RedisLoadResult(redis.Name, ackText, perMaster, load, records, settled, spooled, cpuAfter.Cpu - cpuBefore.Cpu, commands);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label}: {load.Opened.Count}/{load.Sessions} opened, errors {load.Errors}, records {records.Found}/{records.Expected} dup {records.Duplicated} open {records.LeftOpen}, CPU {result.CpuMsPerSession:N1} ms/session, {result.CommandsPerSession:N1} commands/session, WAIT {result.WaitsPerSession:N2}/session"));
            return result;
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// <paramref name="count"/> customers on the plan, each with a key, spread evenly over the masters by the slot of
    /// their <c>{customer}</c> hash tag (a single Redis has one master: any ids do). Returns them and the spread.
    /// </summary>
    private static async Task<(List<LoadCustomer> Customers, string PerMaster)> CustomersAsync(string label, RedisBackend redis, ProxyServer admin, int count)
    {
        var ids = new List<(string Id, EndPoint Master)>();
        var share = (count + redis.MasterCount - 1) / redis.MasterCount;
        for (var n = 0; n < 100 * count && ids.Count < count; n++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"{label}-c{n}");
            var master = redis.MasterOf($"dgp:{{{id}}}:leases");
            if (ids.Count(c => c.Master.Equals(master)) < share)
            {
                ids.Add((id, master));
            }
        }

        var customers = new List<LoadCustomer>();
        foreach (var (id, _) in ids)
        {
            var (_, key) = await admin.IssueKeyAsync(id).ConfigureAwait(false);
            await admin.PutCustomerAsync(id, new { name = "Load test " + id, plan = PlanId }).ConfigureAwait(false);
            customers.Add(new LoadCustomer(id, key));
        }

        var perMaster = string.Join(" / ", ids.GroupBy(c => c.Master).Select(g => g.Count().ToString(CultureInfo.InvariantCulture)));
        return (customers, perMaster);
    }

    /// <summary>Waits until the records stream holds <paramref name="streamLength"/> entries and neither instance has a
    /// record left in its spool (a final no replica confirmed is written again from there); false if that does not
    /// happen within <see cref="SettleTimeout"/>.</summary>
    private static async Task<bool> SettleAsync(RedisBackend redis, IReadOnlyList<ProxyServer> instances, long streamLength)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(SettleTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (await redis.RecordsLengthAsync().ConfigureAwait(false) >= streamLength)
            {
                var pending = 0.0;
                foreach (var instance in instances)
                {
                    pending += (await ScrapeAsync(instance).ConfigureAwait(false)).Sum("dgproxy_spool_pending_records");
                }

                if (pending == 0)
                {
                    return true;
                }
            }

            await Task.Delay(SettlePoll).ConfigureAwait(false);
        }

        return false;
    }

    private static async Task<long> FinalsSpooledAsync(IReadOnlyList<ProxyServer> instances)
    {
        var spooled = 0.0;
        foreach (var instance in instances)
        {
            spooled += (await ScrapeAsync(instance).ConfigureAwait(false)).Sum("dgproxy_record_writes_total", "record=final", "result=spooled");
        }

        return (long)spooled;
    }

    private static async Task<PrometheusSnapshot> ScrapeAsync(ProxyServer instance) =>
        PrometheusSnapshot.Parse(await instance.Admin.GetStringAsync(new Uri("/metrics", UriKind.Relative)).ConfigureAwait(false));

    private static string Report(RedisCompareSettings settings, List<RedisLoadResult> results)
    {
        var text = new StringBuilder();
        text.AppendLine("## Redis comparison");
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {MachineDescription.Describe()}."));
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Per Redis setup: two proxy instances and one emulator; {settings.Sessions:N0} sessions over {settings.Customers} customers (spread evenly over the masters), alternating between the instances, {settings.Concurrency} at a time; each opens, streams {settings.FramesPerSession} audio frames 20 ms apart and closes. Every Redis node fsyncs each write (appendfsync always).{(settings.Quick ? " Quick run: a check that everything works, not numbers to compare." : string.Empty)}"));
        text.AppendLine();
        text.Append(ResultTable.RedisComparison(results));
        text.AppendLine();
        text.AppendLine("Redis commands per session, by command (INFO commandstats summed over the masters; what a script calls counts under its own name and under EVAL/EVALSHA):");
        text.AppendLine();
        text.Append(ResultTable.RedisCommandsPerSession(results));
        return text.ToString();
    }
}

/// <summary>A <c>redis-compare</c> run's options.</summary>
internal sealed record RedisCompareSettings(int Sessions, int Customers, int FramesPerSession, int Concurrency, bool Quick, string? OutPath);
