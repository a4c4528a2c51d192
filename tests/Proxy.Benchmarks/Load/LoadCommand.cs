using System.Globalization;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// <c>load</c>: one load against one running target (any URL and key), e.g.
/// <c>load --url ws://127.0.0.1:8080/v1/agent/converse --key dgpk_… --sessions 500 --duration 30 --pid 1234</c>.
/// </summary>
internal static class LoadCommand
{
    private static readonly string[] Options = ["--url", "--key", "--sessions", "--duration", "--warmup", "--hold", "--pid", "--senders", "--connect-concurrency", "--out", "--name"];
    private static readonly string[] Flags = ["--idle"];

    public const string Usage = """
        load --url ws://HOST:PORT/v1/agent/converse --key KEY [options]
          --sessions N              sessions (default 100)
          --duration S              measured seconds of streaming (default 30)
          --warmup S                unmeasured seconds after all sessions are open (default 5)
          --idle                    idle mode: sessions send only KeepAlive every 5 s
          --hold S                  idle mode: seconds to hold the sessions (default 120)
          --pid PID[,PID…]          target processes to measure (CPU, RSS; their children too)
          --senders N               sender loops (default: number of cores)
          --connect-concurrency N   sessions opened at a time (default 50)
          --name NAME               the target's name in the table (default: the URL's authority)
          --out PATH                also write the table to PATH
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        CommandLineArguments parsed;
        Uri url;
        int[] pids;
        string key;
        int sessions, senders, concurrency;
        TimeSpan duration, warmUp, hold;
        try
        {
            parsed = CommandLineArguments.Parse(args, Options, Flags);
            url = new Uri(parsed.Required("--url"));
            if (url.Scheme != "ws" || !System.Net.IPAddress.TryParse(url.Host, out _))
            {
                throw new ArgumentException("--url must be ws://<IP address>:<port>/path (TLS and host names are not supported)");
            }

            pids = [.. parsed.GetList("--pid").Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Directory.Exists($"/proc/{pid}")
                ? pid
                : throw new ArgumentException($"--pid: no process {p}"))];
            key = parsed.Required("--key");
            sessions = parsed.GetInt("--sessions", 100, 1, 1_000_000);
            senders = parsed.GetInt("--senders", Environment.ProcessorCount, 1, 64);
            concurrency = parsed.GetInt("--connect-concurrency", 50, 1, 10_000);
            duration = parsed.GetSeconds("--duration", TimeSpan.FromSeconds(30), 0.5);
            warmUp = parsed.GetSeconds("--warmup", TimeSpan.FromSeconds(5), 0);
            hold = parsed.GetSeconds("--hold", TimeSpan.FromSeconds(120), 1);
        }
        catch (Exception ex) when (ex is ArgumentException or UriFormatException)
        {
            await Console.Error.WriteLineAsync(ex.Message + "\n\n" + Usage).ConfigureAwait(false);
            return 2;
        }

        var target = new LoadTarget(
            parsed.Get("--name") ?? url.Authority,
            url,
            key,
            pids.Length == 0 ? null : () => [.. pids.SelectMany(ProcessMeter.WithChildren).Distinct()]);

        string table;
        bool clean;
        IReadOnlyCollection<string> errors;
        if (parsed.Has("--idle"))
        {
            var result = await IdleLoad.RunAsync(target, new IdleSettings(sessions, hold, senders, concurrency)).ConfigureAwait(false);
            table = ResultTable.Idle([result]);
            clean = result.Clean;
            errors = result.ErrorMessages;
        }
        else
        {
            var result = await StreamingLoad.RunAsync(target, new StreamingSettings(sessions, duration, warmUp, senders, concurrency)).ConfigureAwait(false);
            table = ResultTable.Streaming([result]);
            clean = result.Clean;
            errors = result.ErrorMessages;
        }

        await Console.Out.WriteAsync(table).ConfigureAwait(false);
        if (parsed.Get("--out") is { } outPath)
        {
            await File.WriteAllTextAsync(outPath, table).ConfigureAwait(false);
        }

        await Console.Error.WriteAsync(ResultTable.Errors([(target.Name, errors)])).ConfigureAwait(false);
        return clean ? 0 : 1;
    }
}
