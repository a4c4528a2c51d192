using System.Threading.Channels;

namespace Proxy.Forwarding;

/// <summary>
/// Mutual exclusion for async code whose uncontended enter and exit are one interlocked operation each (a
/// benaphore). A tunnel side's copy loop takes it for every write, and only the proxy's rare injected frames ever
/// contend for it; a <see cref="SemaphoreSlim"/> would take its internal monitor twice per write. Under contention,
/// the holder hands the lock to one waiter at a time.
/// </summary>
internal sealed class AsyncMutex
{
    // The lock on its way from the holder to one waiter. A channel rather than a semaphore: it owns nothing that
    // needs disposing, and it too hands an item only to a read that has not been cancelled. Made on first contention:
    // most tunnel sides never see any, and a channel is about 1 KB that every idle session would hold.
    private Channel<bool>? _handoff;

    // The holder and every waiter; one that gave up stays counted until its turn comes, and passes the lock on then.
    private int _contenders;

    /// <summary>Takes the lock. As with <see cref="SemaphoreSlim.WaitAsync(CancellationToken)"/>, a token cancelled
    /// already fails the call even when the lock is free, and a cancelled wait does not take it.</summary>
    public ValueTask EnterAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        return Interlocked.Increment(ref _contenders) == 1 ? ValueTask.CompletedTask : WaitForHandoffAsync(cancellationToken);
    }

    public void Exit()
    {
        if (Interlocked.Decrement(ref _contenders) > 0)
        {
            Handoff.Writer.TryWrite(true);
        }
    }

    private Channel<bool> Handoff => LazyInitializer.EnsureInitialized(ref _handoff, static () => Channel.CreateUnbounded<bool>());

    private async ValueTask WaitForHandoffAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Handoff.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The holder still counts this waiter and will hand it the lock: a hand-over nobody took would later let
            // a second holder in. So the lock is taken when it comes, and passed straight on.
            _ = PassOnAsync();
            throw;
        }
    }

    private async Task PassOnAsync()
    {
        await Handoff.Reader.ReadAsync().ConfigureAwait(false);
        Exit();
    }
}
