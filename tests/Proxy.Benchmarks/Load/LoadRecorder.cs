using System.Collections.Concurrent;
using System.Diagnostics;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// What one load run shares between its sessions, sender loops and the code that reports: the round-trip and
/// send-lag histograms, whether frames sent now are measured, and the session errors.
/// </summary>
internal sealed class LoadRecorder
{
    private const int KeptErrorMessages = 20;

    private readonly ConcurrentQueue<string> _errorMessages = new();
    private int _errors;
    private volatile bool _recording;

    public LatencyHistogram RoundTrip { get; } = new();

    /// <summary>How late the sender loops sent each frame against its schedule.</summary>
    public LatencyHistogram SendLag { get; } = new();

    /// <summary>Frames sent while this is true are flagged as measured; the flag travels in the frame, so the sender
    /// and the receive loop always agree on which frames count.</summary>
    public bool Recording
    {
        get => _recording;
        set => _recording = value;
    }

    public int Errors => Volatile.Read(ref _errors);

    public IReadOnlyCollection<string> ErrorMessages => _errorMessages;

    public static long ToMicroseconds(long stopwatchTicks) =>
        (long)(stopwatchTicks * (1_000_000.0 / Stopwatch.Frequency));

    public void SessionFailed(string message)
    {
        if (Interlocked.Increment(ref _errors) <= KeptErrorMessages)
        {
            _errorMessages.Enqueue(message);
        }
    }
}
