using System.Net.WebSockets;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>Sends something on a fixed interval until disposed or the socket closes.</summary>
internal sealed class RepeatingSender : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RepeatingSender(TimeSpan interval, Func<Task> send)
    {
        _loop = RunAsync(interval, send);
    }

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
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                await send();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped, or the session is over.
        }
    }
}
