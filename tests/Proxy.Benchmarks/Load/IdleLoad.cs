using System.Globalization;

namespace Proxy.Benchmarks.Load;

/// <summary>N sessions that only send KeepAlive every 5 s, held open: what an idle session costs the target.</summary>
internal static class IdleLoad
{
    public static async Task<IdleResult> RunAsync(LoadTarget target, IdleSettings settings)
    {
        var recorder = new LoadRecorder();
        var measured = target.MeasuredProcesses;
        var rssBefore = measured is null ? (long?)null : ProcessMeter.Sample(measured()).RssBytes;
        var senders = Enumerable.Range(0, settings.Senders)
            .Select(i => new SendScheduler($"keepalive-{i}", IdleSettings.KeepAliveInterval, s => s.SendKeepAlive(), recorder))
            .ToArray();

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name}: opening {settings.Sessions} idle sessions ({settings.ConnectConcurrency} at a time)"));
        var pool = await SessionPool.OpenAsync(target, settings.Sessions, settings.ConnectConcurrency, IdleSettings.KeepAliveInterval, senders, recorder).ConfigureAwait(false);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{target.Name}: holding {pool.Live} idle sessions for {settings.Hold.TotalSeconds:0.#} s"));

        var processes = measured?.Invoke();
        var targetStart = processes is null ? (ProcessSample?)null : ProcessMeter.Sample(processes);
        var generatorStart = ProcessMeter.Sample([Environment.ProcessId]);
        await Task.Delay(settings.Hold).ConfigureAwait(false);
        var generatorEnd = ProcessMeter.Sample([Environment.ProcessId]);
        var targetEnd = processes is null ? (ProcessSample?)null : ProcessMeter.Sample(processes);
        var stillOpen = pool.Live;
        foreach (var sender in senders)
        {
            sender.Stop();
        }

        var opened = pool.Opened;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{target.Name}: closing {opened} idle sessions"));
        await pool.CloseAsync(settings.ConnectConcurrency).ConfigureAwait(false);

        return new IdleResult(
            target.Name,
            settings.Sessions,
            opened,
            stillOpen,
            settings.Hold,
            recorder.Errors,
            recorder.ErrorMessages,
            rssBefore,
            targetEnd?.RssBytes,
            targetEnd is { } end && targetStart is { } start ? end.Cpu - start.Cpu : null,
            generatorEnd.Cpu - generatorStart.Cpu);
    }
}
