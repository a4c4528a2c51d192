using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Proxy.Benchmarks.Load;

namespace Proxy.Benchmarks.Precision;

/// <summary>
/// <c>precision</c>: how far each session's record is from the wire. Two proxies side by side in front of one
/// emulator – the upstream open instant from the kernel's receive timestamp (<c>Upstream:KernelReceiveTimestamps</c>
/// true) and from user space (false) – take the same sessions, one proxy after the other, while tcpdump records the
/// upstream port on loopback. Each record's open, close and duration are compared with the capture's: the segment
/// carrying the 101 and the connection's first FIN or RST.
/// </summary>
internal static class PrecisionCommand
{
    private const string CustomerId = "precision";
    private static readonly string[] Options = ["--singles", "--bursts", "--burst-size", "--drops", "--hold", "--out"];
    private static readonly string[] Flags = ["--quick", "--tls", "--tls13", "--keep"];

    public const string Usage = """
        precision [options]
          --quick            CI setting: 3 single sessions, 1 burst, 3 drops per proxy
          --tls              the emulator on TLS 1.2 with a self-signed certificate (wss://)
          --tls13            the emulator on TLS 1.3 with a self-signed certificate, issuing no session tickets
          --singles N        sessions opened one at a time, per proxy (default 10)
          --bursts N         bursts of concurrent opens, per proxy (default 5)
          --burst-size N     sessions opened at once in a burst (default 20)
          --drops N          sessions whose client connection is reset, one at a time, per proxy (default 10)
          --hold S           seconds each session is held open (default 0.5)
          --out PATH         also write the table to PATH
          --keep             keep the run's directory (logs, upstream.pcap) even when it succeeds
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        CommandLineArguments parsed;
        try
        {
            parsed = CommandLineArguments.Parse(args, Options, Flags);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + "\n\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        if (PacketCapture.Find() is not { } tcpdump)
        {
            await Console.Error.WriteLineAsync("precision: tcpdump is not installed (apt-get install -y tcpdump); it must run as root to capture loopback.").ConfigureAwait(false);
            return 2;
        }

        if (parsed.Has("--tls") && parsed.Has("--tls13"))
        {
            await Console.Error.WriteLineAsync("precision: --tls (TLS 1.2) and --tls13 exclude each other.\n\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        var quick = parsed.Has("--quick");
        var security = parsed.Has("--tls13") ? UpstreamSecurity.Tls13 : parsed.Has("--tls") ? UpstreamSecurity.Tls12 : UpstreamSecurity.Plain;
        int singles, bursts, burstSize, drops;
        TimeSpan hold;
        try
        {
            singles = parsed.GetInt("--singles", quick ? 3 : 10, 0, 1000);
            bursts = parsed.GetInt("--bursts", quick ? 1 : 5, 0, 100);
            burstSize = parsed.GetInt("--burst-size", 20, 1, 200);
            drops = parsed.GetInt("--drops", quick ? 3 : 10, 0, 1000);
            hold = parsed.GetSeconds("--hold", TimeSpan.FromSeconds(0.5), 0.05);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + "\n\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        var workDirectory = Directory.CreateTempSubdirectory("dgproxy-precision-").FullName;
        Console.Error.WriteLine($"precision: logs, capture and generated configuration in {workDirectory}");
        var launcher = ProcessLauncher.LoadRun(workDirectory, new Dictionary<string, string?> { [GeneratorRuntime.InlineCompletionsVariable] = null });
        var samples = new List<PrecisionSample>();
        int? kernelDrops;

        await using (var redis = await RedisServer.LaunchAsync(launcher, durable: true).ConfigureAwait(false))
        await using (var upstream = await PrecisionUpstream.StartAsync(launcher, security).ConfigureAwait(false))
        {
            var environment = new Dictionary<string, string?>();
            if (upstream.CertificateFile is { } certificate)
            {
                environment["SSL_CERT_FILE"] = certificate;
            }

            var kernel = await StartProxyAsync(launcher, redis, upstream, environment, kernelTimestamps: true).ConfigureAwait(false);
            await using var kernelProcess = kernel.Proxy;
            var user = await StartProxyAsync(launcher, redis, upstream, environment, kernelTimestamps: false).ConfigureAwait(false);
            await using var userProcess = user.Proxy;
            var variants = new[] { ("kernel", kernel.Proxy, kernel.Key), ("user space", user.Proxy, user.Key) };

            // A fresh process compiles each path on first use; that belongs to neither variant's figures.
            foreach (var (_, proxy, key) in variants)
            {
                await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => PrecisionClient.RunAsync(proxy.AgentUrl(), key, TimeSpan.FromMilliseconds(50), drop: false, CancellationToken.None))).ConfigureAwait(false);
            }

            await using (var capture = await PacketCapture.StartAsync(launcher, tcpdump, workDirectory, upstream.Port).ConfigureAwait(false))
            {
                // The variants take turns, the first one alternating, so neither always runs right after the other.
                for (var i = 0; i < singles; i++)
                {
                    foreach (var (name, proxy, key) in Turns(variants, i))
                    {
                        samples.AddRange(await RunAsync(name, "single", proxy, key, 1, hold, drop: false).ConfigureAwait(false));
                    }
                }

                for (var i = 0; i < bursts; i++)
                {
                    foreach (var (name, proxy, key) in Turns(variants, i))
                    {
                        samples.AddRange(await RunAsync(name, $"burst of {burstSize}", proxy, key, burstSize, hold, drop: false).ConfigureAwait(false));
                    }
                }

                for (var i = 0; i < drops; i++)
                {
                    foreach (var (name, proxy, key) in Turns(variants, i))
                    {
                        samples.AddRange(await RunAsync(name, "drop (RST)", proxy, key, 1, hold, drop: true).ConfigureAwait(false));
                    }
                }

                var records = await WaitForRecordsAsync(kernel.Proxy, samples).ConfigureAwait(false);
                var ports = await upstream.PortsByRequestIdAsync().ConfigureAwait(false);

                // The last FINs of the last sessions are on the wire by the time their records are final, but the
                // kernel hands captured segments to tcpdump a block at a time: when a block fills or after tcpdump's
                // packet-buffer timeout (1 s). A stop before that loses the last block (a run once lost the FIN of
                // its last session 0.5 s after its record was final), so wait past it.
                await Task.Delay(TimeSpan.FromMilliseconds(1500)).ConfigureAwait(false);
                await capture.StopAsync().ConfigureAwait(false);
                kernelDrops = capture.KernelDrops;
                Match(samples, records, ports, PcapConnections.Read(capture.FilePath, upstream.Port, security));
            }
        }

        // Per session, to look up a stray one in upstream.pcap (kept with --keep or on failure).
        await File.WriteAllLinesAsync(Path.Combine(workDirectory, "sessions.tsv"),
            ["variant\tscenario\trequest_id\tproxy_port\topen_error_ms\tclose_error_ms\tduration_error_ms\tunmatched",
             .. samples.Select(s => string.Create(CultureInfo.InvariantCulture, $"{s.Variant}\t{s.Scenario}\t{s.RequestId}\t{s.ProxyPort}\t{s.OpenErrorMs:0.000}\t{s.CloseErrorMs:0.000}\t{s.DurationErrorMs:0.000}\t{s.Unmatched}"))]).ConfigureAwait(false);
        var report = Report(samples, security, singles, bursts, burstSize, drops, hold, kernelDrops);
        await Console.Out.WriteAsync(report).ConfigureAwait(false);
        if (parsed.Get("--out") is { } outPath)
        {
            await File.WriteAllTextAsync(outPath, report).ConfigureAwait(false);
        }

        var unmatched = samples.Where(s => s.Unmatched is not null).ToList();
        foreach (var sample in unmatched.Take(20))
        {
            Console.Error.WriteLine($"precision: {sample.Variant} {sample.Scenario} {sample.RequestId}: {sample.Unmatched}");
        }

        if (unmatched.Count > 0 || kernelDrops is not 0)
        {
            Console.Error.WriteLine($"precision: {unmatched.Count} session(s) unmatched, {kernelDrops?.ToString(CultureInfo.InvariantCulture) ?? "unknown"} segment(s) dropped by the kernel; files kept in {workDirectory}");
            return 1;
        }

        if (!parsed.Has("--keep"))
        {
            Directory.Delete(workDirectory, recursive: true);
        }

        return 0;
    }

    private static IEnumerable<(string Name, ProxyServer Proxy, string Key)> Turns((string, ProxyServer, string)[] variants, int round) =>
        round % 2 == 0 ? variants : variants.Reverse();

    private static async Task<(ProxyServer Proxy, string Key)> StartProxyAsync(ProcessLauncher launcher, RedisServer redis, PrecisionUpstream upstream, Dictionary<string, string?> environment, bool kernelTimestamps)
    {
        var settings = new Dictionary<string, string>
        {
            ["Upstream:KernelReceiveTimestamps"] = kernelTimestamps ? "true" : "false",
        };
        var proxy = await ProxyServer.StartAsync(launcher, redis.Configuration, upstream.Url, upstream.ApiKey, settings, environment).ConfigureAwait(false);
        try
        {
            await proxy.WaitUntilReadyAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            var (_, key) = await proxy.IssueKeyAsync(CustomerId).ConfigureAwait(false);
            return (proxy, key);
        }
        catch
        {
            await proxy.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<List<PrecisionSample>> RunAsync(string variant, string scenario, ProxyServer proxy, string key, int concurrent, TimeSpan hold, bool drop)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30) + hold);
        var sessions = Enumerable.Range(0, concurrent).Select(_ => PrecisionClient.RunAsync(proxy.AgentUrl(), key, hold, drop, timeout.Token)).ToList();
        try
        {
            await Task.WhenAll(sessions).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or System.Net.WebSockets.WebSocketException or OperationCanceledException or InvalidDataException or HttpRequestException)
        {
            // Reported below per session.
        }

        var samples = new List<PrecisionSample>();
        foreach (var session in sessions)
        {
            if (session.IsCompletedSuccessfully)
            {
                samples.Add(new PrecisionSample(variant, scenario, session.Result));
            }
            else
            {
                samples.Add(new PrecisionSample(variant, scenario, "(failed)") { Unmatched = "session failed: " + session.Exception?.GetBaseException().Message });
            }
        }

        return samples;
    }

    /// <summary>The customer's records once every session's is closed (bounded), by Deepgram request id.</summary>
    private static async Task<Dictionary<string, JsonElement>> WaitForRecordsAsync(ProxyServer admin, List<PrecisionSample> samples)
    {
        var expected = samples.Where(s => s.Unmatched is null).Select(s => s.RequestId).ToHashSet(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var records = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            var body = await admin.Admin.GetStringAsync(new Uri($"/admin/v1/sessions?customer={CustomerId}&format=jsonl", UriKind.Relative)).ConfigureAwait(false);
            foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var record = JsonDocument.Parse(line).RootElement;
                if (Text(record, "deepgram_request_id") is { } requestId && Text(record, "status") == "closed")
                {
                    records[requestId] = record;
                }
            }

            if (expected.IsSubsetOf(records.Keys) || DateTime.UtcNow > deadline)
            {
                return records;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    private static void Match(List<PrecisionSample> samples, Dictionary<string, JsonElement> records, Dictionary<string, int> ports, List<WireConnection> wire)
    {
        var byPort = wire.Where(c => c.OpenedAtNs is not null).ToLookup(c => c.ProxyPort);
        foreach (var sample in samples.Where(s => s.Unmatched is null))
        {
            if (!records.TryGetValue(sample.RequestId, out var record))
            {
                sample.Unmatched = "no closed record";
                continue;
            }

            if (!ports.TryGetValue(sample.RequestId, out var port))
            {
                sample.Unmatched = "the emulator has no connection with this request id";
                continue;
            }

            var openedMs = Number(record, "upstream_opened_at_ms");
            var closedMs = Number(record, "upstream_closed_at_ms");
            var durationMs = Number(record, "duration_ms");
            if (openedMs is null || closedMs is null || durationMs is null)
            {
                sample.Unmatched = "record without upstream instants";
                continue;
            }

            // A port can come back in a long run: the connection whose 101 is nearest the record's open.
            var connection = byPort[port].MinBy(c => Math.Abs((c.OpenedAtNs!.Value / 1e6) - openedMs.Value));
            if (connection?.ClosedAtNs is null)
            {
                sample.Unmatched = connection is null ? $"no 101 seen on port {port}" : $"no FIN or RST seen on port {port}";
                continue;
            }

            var wireOpenMs = connection.OpenedAtNs!.Value / 1e6;
            var wireCloseMs = connection.ClosedAtNs.Value / 1e6;
            sample.ProxyPort = port;
            sample.OpenErrorMs = openedMs.Value - wireOpenMs;
            sample.CloseErrorMs = closedMs.Value - wireCloseMs;
            sample.DurationErrorMs = durationMs.Value - (wireCloseMs - wireOpenMs);
        }
    }

    private static string Report(List<PrecisionSample> samples, UpstreamSecurity security, int singles, int bursts, int burstSize, int drops, TimeSpan hold, int? kernelDrops)
    {
        var text = new StringBuilder();
        text.AppendLine("## Precision against the wire");
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {MachineDescription.Describe()}."));
        text.AppendLine();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Upstream {Describe(security)}; per proxy {singles} single sessions, {bursts} bursts of {burstSize} concurrent opens, {drops} drops (client connection reset); each session held {hold.TotalSeconds:0.###} s. Errors are record − wire in ms (records hold whole ms); within 2 ms = |open| and |duration| both ≤ 2 ms. Kernel drops in the capture: {kernelDrops?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}."));
        text.AppendLine();
        text.Append(PrecisionTable.Render(samples));
        return text.ToString();
    }

    private static string Describe(UpstreamSecurity security) => security switch
    {
        UpstreamSecurity.Tls12 => "TLS 1.2 (wss://, self-signed)",
        UpstreamSecurity.Tls13 => "TLS 1.3 (wss://, self-signed, no session tickets)",
        _ => "plain (ws://)",
    };

    private static string? Text(JsonElement record, string field) =>
        record.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? Number(JsonElement record, string field) =>
        record.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
}
