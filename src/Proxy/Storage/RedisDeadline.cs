namespace Proxy.Storage;

/// <summary>
/// Bounds a Redis call that something is waiting for (a record write, the shutdown). A frozen or partitioned Redis
/// leaves the connection looking healthy, so each command waits out the multiplexer's timeout and a call of several
/// commands waits several times over. Past the limit the caller moves on with a <see cref="TimeoutException"/>; the
/// call itself keeps running, and its late failure is observed here instead of surfacing as an unobserved task
/// exception.
/// </summary>
internal static class RedisDeadline
{
    public static async Task WithinAsync(this Task call, TimeSpan limit, TimeProvider time, CancellationToken cancellationToken = default)
    {
        try
        {
            await call.WaitAsync(limit, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when ((ex is TimeoutException or OperationCanceledException) && !call.IsCompleted)
        {
            _ = call.ContinueWith(
                static abandoned => _ = abandoned.Exception,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }
}
