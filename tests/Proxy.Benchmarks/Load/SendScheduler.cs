using System.Collections.Concurrent;
using System.Diagnostics;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// One sender loop on its own thread, owning a shard of the sessions: each session has a fixed period and phase,
/// the loop sends every frame that is due and sleeps until the next one. Due times are absolute (first due + k ×
/// period), so a late wake-up never shifts later frames: no drift, whatever the sleep precision. How late each send
/// was against its schedule is recorded in the measured window (<see cref="LoadRecorder.SendLag"/>); slots missed by more than a period
/// are counted as skipped.
/// </summary>
internal sealed class SendScheduler
{
    // The loop wakes at least this often to take in new sessions and see a stop.
    private static readonly long MaxSleepTicks = Stopwatch.Frequency / 100;

    private readonly ConcurrentQueue<(LoadSession Session, long Due)> _incoming = new();
    private readonly PriorityQueue<LoadSession, long> _schedule = new();
    private readonly Func<LoadSession, bool> _send;
    private readonly long _periodTicks;
    private readonly LoadRecorder _recorder;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public SendScheduler(string name, TimeSpan period, Func<LoadSession, bool> send, LoadRecorder recorder)
    {
        _send = send;
        _periodTicks = (long)(period.TotalSeconds * Stopwatch.Frequency);
        _recorder = recorder;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Adds a session whose first frame is due at <paramref name="firstDue"/> (Stopwatch ticks).</summary>
    public void Add(LoadSession session, long firstDue) => _incoming.Enqueue((session, firstDue));

    /// <summary>Stops sending; returns once the loop has finished its last send.</summary>
    public void Stop()
    {
        _stopping = true;
        _thread.Join();
    }

    private static void SleepTicks(long ticks) =>
        PreciseSleep.For((long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency)));

    private void Run()
    {
        while (!_stopping)
        {
            while (_incoming.TryDequeue(out var added))
            {
                _schedule.Enqueue(added.Session, added.Due);
            }

            var now = Stopwatch.GetTimestamp();
            while (!_stopping && _schedule.TryPeek(out var session, out var due) && due <= now)
            {
                _schedule.Dequeue();
                if (!session.IsSending)
                {
                    // Failed or closing: it leaves the schedule.
                    continue;
                }

                if (now - due >= _periodTicks)
                {
                    // More than a period late (the machine cannot keep up): send one frame now and drop the missed
                    // slots, counted, rather than bursting a backlog that new sessions would queue behind.
                    var missed = (now - due) / _periodTicks;
                    due += missed * _periodTicks;
                    session.CountSkipped(missed);
                }

                if (_recorder.Recording)
                {
                    _recorder.SendLag.Record(LoadRecorder.ToMicroseconds(now - due));
                }

                if (_send(session))
                {
                    _schedule.Enqueue(session, due + _periodTicks);
                }

                now = Stopwatch.GetTimestamp();
            }

            var sleep = _schedule.TryPeek(out _, out var next) ? Math.Min(next - now, MaxSleepTicks) : MaxSleepTicks;
            SleepTicks(sleep);
        }
    }
}
