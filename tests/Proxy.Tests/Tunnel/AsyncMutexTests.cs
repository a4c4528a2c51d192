using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>The tunnel's write lock: one holder at a time, waits that can be cancelled without breaking that.</summary>
public sealed class AsyncMutexTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_free_lock_is_taken_at_once_and_again_after_exit()
    {
        var mutex = new AsyncMutex();

        var first = mutex.EnterAsync();
        Assert.True(first.IsCompletedSuccessfully);
        await first;
        mutex.Exit();

        var second = mutex.EnterAsync();
        Assert.True(second.IsCompletedSuccessfully);
        await second;
        mutex.Exit();
    }

    [Fact]
    public async Task A_held_lock_makes_the_next_caller_wait_for_the_exit()
    {
        var mutex = new AsyncMutex();
        await mutex.EnterAsync();

        var waiting = mutex.EnterAsync().AsTask();
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);

        mutex.Exit();
        await waiting.WaitAsync(Patience);
        Assert.False(mutex.EnterAsync().AsTask().IsCompleted);
    }

    [Fact]
    public async Task Each_exit_lets_exactly_one_waiter_in()
    {
        var mutex = new AsyncMutex();
        await mutex.EnterAsync();
        var waiters = Enumerable.Range(0, 3).Select(_ => mutex.EnterAsync().AsTask()).ToList();

        for (var admitted = 1; admitted <= waiters.Count; admitted++)
        {
            // Which waiters are still waiting is taken before the exit: the one let in may be done before WhenAny.
            var waiting = waiters.Where(w => !w.IsCompleted).ToList();
            mutex.Exit();
            await Task.WhenAny(waiting).WaitAsync(Patience);
            await Task.Delay(50);
            Assert.Equal(admitted, waiters.Count(w => w.IsCompleted));
        }
    }

    [Fact]
    public async Task A_token_cancelled_already_fails_even_when_the_lock_is_free_and_takes_nothing()
    {
        var mutex = new AsyncMutex();

        var entering = mutex.EnterAsync(new CancellationToken(canceled: true));

        Assert.True(entering.IsCanceled);
        var next = mutex.EnterAsync();
        Assert.True(next.IsCompletedSuccessfully);
        await next;
    }

    [Fact]
    public async Task A_cancelled_wait_throws_and_the_lock_still_admits_one_holder_at_a_time()
    {
        var mutex = new AsyncMutex();
        await mutex.EnterAsync();
        using var cancel = new CancellationTokenSource();
        var gaveUp = mutex.EnterAsync(cancel.Token).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp.WaitAsync(Patience));

        // The holder leaves after the waiter gave up: the lock comes free, and admits one holder, not two.
        mutex.Exit();
        await mutex.EnterAsync().AsTask().WaitAsync(Patience);
        var second = mutex.EnterAsync().AsTask();
        await Task.Delay(50);
        Assert.False(second.IsCompleted);

        mutex.Exit();
        await second.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_wait_cancelled_just_as_the_holder_leaves_does_not_let_two_holders_in_later()
    {
        // The exit hands the lock to a waiter that has just given up; whether that waiter's code has run by then is
        // up to the thread pool, so the crossing is tried many times.
        for (var round = 0; round < 50; round++)
        {
            var mutex = new AsyncMutex();
            await mutex.EnterAsync();
            using var cancel = new CancellationTokenSource();
            var gaveUp = mutex.EnterAsync(cancel.Token).AsTask();

            await cancel.CancelAsync();
            mutex.Exit();

            // The crossing may go either way: the wait gives up (and holds nothing), or it was handed the lock first
            // and holds it like any other caller, who then leaves.
            try
            {
                await gaveUp.WaitAsync(Patience);
                mutex.Exit();
            }
            catch (OperationCanceledException)
            {
            }

            await mutex.EnterAsync().AsTask().WaitAsync(Patience);
            var second = mutex.EnterAsync().AsTask();
            await Task.Delay(20);
            Assert.False(second.IsCompleted, $"two holders at once in round {round}");

            mutex.Exit();
            await second.WaitAsync(Patience);
        }
    }

    [Fact]
    public async Task Under_contention_and_cancellations_no_two_holders_ever_overlap()
    {
        var mutex = new AsyncMutex();
        var inside = 0;
        var overlaps = 0;
        var entries = 0;

        await Task.WhenAll(Enumerable.Range(0, 8).Select(seed => Task.Run(() => ContendAsync(mutex, seed, () =>
        {
            if (Interlocked.Increment(ref inside) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            Interlocked.Increment(ref entries);
        }, () => Interlocked.Decrement(ref inside))))).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(0, overlaps);
        Assert.True(entries > 0);
        await mutex.EnterAsync().AsTask().WaitAsync(Patience);
    }

    [Fact]
    public async Task Round_after_round_of_contention_with_cancelled_waiters_never_loses_the_lock()
    {
        // The benaphore this replaced hung here within 200 rounds on a busy machine: a hand-off went missing and
        // every later caller waited forever.
        for (var round = 0; round < 200; round++)
        {
            var mutex = new AsyncMutex();
            var first = round * 8;
            await Task.WhenAll(Enumerable.Range(first, 8).Select(seed => Task.Run(() => ContendAsync(mutex, seed)))).WaitAsync(Patience);
        }
    }

    /// <summary>500 times: take the lock (a quarter of the tries with a token that fires within 200 µs), hold it
    /// for a moment (half of the times across a yield), leave.</summary>
    private static async Task ContendAsync(AsyncMutex mutex, int seed, Action? entered = null, Action? leaving = null)
    {
        var random = new Random(seed);
        for (var i = 0; i < 500; i++)
        {
            using var cancel = new CancellationTokenSource();
            if (random.Next(4) == 0)
            {
                cancel.CancelAfter(TimeSpan.FromTicks(random.Next(1, 2000)));
            }

            try
            {
                await mutex.EnterAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                continue;
            }

            entered?.Invoke();
            if (random.Next(2) == 0)
            {
                await Task.Yield();
            }

            leaving?.Invoke();
            mutex.Exit();
        }
    }
}
