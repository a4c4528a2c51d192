using System.Diagnostics;
using System.Globalization;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// N sessions streaming paced audio frames that the upstream echoes: after all are open and a warm-up, a measured
/// window in which every echo's round trip is recorded and the target's CPU time and RSS are read before and after.
/// </summary>
internal static class StreamingLoad
{
    // Echoes still queued in a saturated target are late, not lost: they get this long to arrive.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(30);

    public static async Task<StreamingResult> RunAsync(LoadTarget target, StreamingSettings settings)
    {
        var recorder = new LoadRecorder();
        var measured = target.MeasuredProcesses;
        var rssBefore = measured is null ? (long?)null : ProcessMeter.Sample(measured()).RssBytes;
        // While the pool opens, sessions only send KeepAlive (as a voice app does before it streams), so that opening
        // the last sessions does not compete with streaming on the first ones; audio starts for all at once.
        var keepAlive = Enumerable.Range(0, settings.Senders)
            .Select(i => new SendScheduler($"keepalive-{i}", IdleSettings.KeepAliveInterval, s => s.SendKeepAlive(), recorder))
            .ToArray();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name}: opening {settings.Sessions} sessions ({settings.ConnectConcurrency} at a time)"));
        var pool = await SessionPool.OpenAsync(target, settings.Sessions, settings.ConnectConcurrency, IdleSettings.KeepAliveInterval, keepAlive, recorder).ConfigureAwait(false);
        foreach (var sender in keepAlive)
        {
            sender.Stop();
        }

        var senders = Enumerable.Range(0, settings.Senders)
            .Select(i => new SendScheduler($"sender-{i}", StreamingSettings.FramePeriod, s => s.SendAudio(), recorder))
            .ToArray();
        pool.Pace(senders, StreamingSettings.FramePeriod);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name}: streaming; warming up {settings.WarmUp.TotalSeconds:0.#} s, then measuring {settings.Duration.TotalSeconds:0.#} s"));
        await Task.Delay(settings.WarmUp).ConfigureAwait(false);

        var processes = measured?.Invoke();
        var targetStart = processes is null ? (ProcessSample?)null : ProcessMeter.Sample(processes);
        var generatorStart = ProcessMeter.Sample([Environment.ProcessId]);
        var windowStart = Stopwatch.GetTimestamp();
        recorder.Recording = true;
        await Task.Delay(settings.Duration).ConfigureAwait(false);
        foreach (var sender in senders)
        {
            sender.Stop();
        }

        var window = Stopwatch.GetElapsedTime(windowStart);
        var generatorEnd = ProcessMeter.Sample([Environment.ProcessId]);
        var targetEnd = processes is null ? (ProcessSample?)null : ProcessMeter.Sample(processes);

        // Echoes of the last frames are still on their way.
        var sent = pool.Sessions.Sum(s => s.SentMeasured);
        var drainDeadline = Stopwatch.GetTimestamp() + (long)(DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (pool.Sessions.Where(s => !s.Failed).Sum(s => s.ReceivedMeasured) < pool.Sessions.Where(s => !s.Failed).Sum(s => s.SentMeasured)
               && Stopwatch.GetTimestamp() < drainDeadline)
        {
            await Task.Delay(10).ConfigureAwait(false);
        }

        var received = pool.Sessions.Sum(s => s.ReceivedMeasured);
        var outOfOrder = pool.Sessions.Sum(s => s.OutOfOrder);
        var skipped = pool.Sessions.Sum(s => s.Skipped);
        var opened = pool.Opened;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{target.Name}: closing {opened} sessions"));
        await pool.CloseAsync(settings.ConnectConcurrency).ConfigureAwait(false);

        return new StreamingResult(
            target.Name,
            settings.Sessions,
            opened,
            window,
            sent,
            received,
            outOfOrder,
            skipped,
            recorder.Errors,
            recorder.ErrorMessages,
            recorder.RoundTrip.ValueAtPercentile(50),
            recorder.RoundTrip.ValueAtPercentile(99),
            recorder.RoundTrip.ValueAtPercentile(99.9),
            recorder.RoundTrip.Max,
            recorder.SendLag.ValueAtPercentile(99),
            recorder.SendLag.Max,
            targetEnd is { } end && targetStart is { } start ? end.Cpu - start.Cpu : null,
            rssBefore,
            targetEnd?.RssBytes,
            generatorEnd.Cpu - generatorStart.Cpu,
            GeneratorKind.Dotnet);
    }
}
