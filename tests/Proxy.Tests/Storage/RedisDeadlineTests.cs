using Microsoft.Extensions.Time.Testing;
using Proxy.Storage;

namespace Proxy.Tests.Storage;

public sealed class RedisDeadlineTests
{
    [Fact]
    public async Task A_call_that_never_answers_gives_up_at_the_limit_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        var never = new TaskCompletionSource();
        var bounded = never.Task.WithinAsync(TimeSpan.FromSeconds(5), time);

        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(bounded.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await Assert.ThrowsAsync<TimeoutException>(() => bounded);

        // The abandoned call failing later is observed, not left to the unobserved-exception handler.
        never.SetException(new InvalidOperationException("late"));
        Assert.True(never.Task.IsFaulted);
    }

    [Fact]
    public async Task A_call_that_fails_in_time_fails_with_its_own_exception()
    {
        var time = new FakeTimeProvider();
        var call = Task.FromException(new TimeoutException("redis timeout"));
        var thrown = await Assert.ThrowsAsync<TimeoutException>(() => call.WithinAsync(TimeSpan.FromSeconds(5), time));
        Assert.Equal("redis timeout", thrown.Message);
    }

    [Fact]
    public async Task Stopping_cuts_the_wait_short()
    {
        var time = new FakeTimeProvider();
        using var stopping = new CancellationTokenSource();
        var bounded = new TaskCompletionSource().Task.WithinAsync(TimeSpan.FromSeconds(5), time, stopping.Token);
        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bounded);
    }
}
