using System.Diagnostics;
using System.Net.WebSockets;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>Sends something on a fixed interval until disposed or the socket closes.</summary>
internal sealed class RepeatingSender : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private long _longestGapTicks;

    public RepeatingSender(TimeSpan interval, Func<Task> send)
    {
        _loop = RunAsync(interval, send);
    }

    /// <summary>The longest time between two sends so far: a test machine that stalls the sender shows here.</summary>
    public TimeSpan LongestGap => TimeSpan.FromTicks(Interlocked.Read(ref _longestGapTicks));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan interval, Func<Task> send)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            var last = Stopwatch.GetTimestamp();
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await send();
                var now = Stopwatch.GetTimestamp();
                var gap = Stopwatch.GetElapsedTime(last, now).Ticks;
                if (gap > Interlocked.Read(ref _longestGapTicks))
                {
                    Interlocked.Exchange(ref _longestGapTicks, gap);
                }

                last = now;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped, or the session is over.
        }
    }
}
