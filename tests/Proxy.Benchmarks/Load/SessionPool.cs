using System.Diagnostics;
using System.Globalization;

namespace Proxy.Benchmarks.Load;

/// <summary>Opens sessions with bounded concurrency, hands each to its sender loop as it is ready, and closes them.</summary>
internal sealed class SessionPool
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);

    private readonly LoadSession?[] _sessions;

    private SessionPool(int count) => _sessions = new LoadSession?[count];

    public IEnumerable<LoadSession> Sessions => _sessions.OfType<LoadSession>();

    public int Opened => Sessions.Count();

    public int Live => Sessions.Count(s => s.IsSending);

    /// <summary>
    /// Opens <paramref name="count"/> sessions. Session i's frames are due at phase i × period / count, so the sends
    /// of all sessions are spread evenly over the period; session i goes to sender loop i mod the number of loops.
    /// </summary>
    public static async Task<SessionPool> OpenAsync(LoadTarget target, int count, int concurrency, TimeSpan period, IReadOnlyList<SendScheduler> senders, LoadRecorder recorder)
    {
        var pool = new SessionPool(count);
        var origin = Stopwatch.GetTimestamp();
        var periodTicks = (long)(period.TotalSeconds * Stopwatch.Frequency);
        var opened = 0;
        var nextReport = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        var reportGate = new Lock();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, _) =>
            {
                try
                {
                    var session = await LoadSession.OpenAsync(i, target.Url, target.Key, recorder, OpenTimeout).ConfigureAwait(false);
                    pool._sessions[i] = session;
                    var phase = origin + (periodTicks * i / count);
                    var now = Stopwatch.GetTimestamp();
                    var cycles = now <= phase ? 0 : ((now - phase) / periodTicks) + 1;
                    senders[i % senders.Count].Add(session, phase + (cycles * periodTicks));
                }
                catch (IOException ex)
                {
                    recorder.SessionFailed(ex.Message);
                }

                var done = Interlocked.Increment(ref opened);
                lock (reportGate)
                {
                    if (Stopwatch.GetTimestamp() >= nextReport || done == count)
                    {
                        nextReport = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
                        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {target.Name}: {done}/{count} sessions opened"));
                    }
                }
            }).ConfigureAwait(false);
        return pool;
    }

    /// <summary>Hands every open session to the sender loops, its first frame due at phase i × period / count from now.</summary>
    public void Pace(IReadOnlyList<SendScheduler> senders, TimeSpan period)
    {
        var origin = Stopwatch.GetTimestamp();
        var periodTicks = (long)(period.TotalSeconds * Stopwatch.Frequency);
        foreach (var session in Sessions)
        {
            senders[session.Index % senders.Count].Add(session, origin + (periodTicks * session.Index / _sessions.Length));
        }
    }

    public async Task CloseAsync(int concurrency)
    {
        await Parallel.ForEachAsync(
            Sessions,
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (session, _) => await session.CloseAsync(CloseTimeout).ConfigureAwait(false)).ConfigureAwait(false);
    }
}
