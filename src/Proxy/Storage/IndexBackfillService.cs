namespace Proxy.Storage;

/// <summary>
/// Puts on a list (customers, plans) what an instance of an earlier version stored without it: once per start,
/// retried every few seconds while Redis is unreachable, so a start during an outage still gets it done.
/// </summary>
internal abstract class IndexBackfillService : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private readonly RedisConnectionState _connection;
    private readonly TimeProvider _time;

    protected IndexBackfillService(RedisConnectionState connection, TimeProvider time)
    {
        _connection = connection;
        _time = time;
    }

    /// <summary>Adds what is missing; returns how many entries were added.</summary>
    protected abstract Task<long> BackfillAsync();

    protected abstract void Backfilled(long added);

    protected abstract void BackfillFailed(Exception exception);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var retry = new PeriodicTimer(RetryInterval, _time);
        do
        {
            if (!_connection.IsConnected)
            {
                continue;
            }

            try
            {
                Backfilled(await BackfillAsync().ConfigureAwait(false));
                return;
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
            {
                BackfillFailed(ex);
            }
        }
        while (await retry.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
