using Proxy.Storage;

namespace Proxy.Billing;

/// <summary>
/// Lists the plans that exist but are not on the plan list (<see cref="PlanStore.BackfillIndexAsync"/>): all of them
/// the first time an instance of this version starts on data of an earlier one, afterwards those an instance of the
/// earlier version put during a rolling upgrade. Once per start; retried while Redis is unreachable.
/// </summary>
internal sealed partial class PlanIndexBackfill : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private readonly PlanStore _store;
    private readonly RedisConnectionState _connection;
    private readonly TimeProvider _time;
    private readonly ILogger<PlanIndexBackfill> _logger;

    public PlanIndexBackfill(PlanStore store, RedisConnectionState connection, TimeProvider time, ILogger<PlanIndexBackfill> logger)
    {
        _store = store;
        _connection = connection;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
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
                var added = await _store.BackfillIndexAsync().ConfigureAwait(false);
                Backfilled(_logger, added);
                return;
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
            {
                BackfillFailed(_logger, ex);
            }
        }
        while (await retry.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(EventId = 7110, Level = LogLevel.Information, Message = "Plan list checked at start: {Added} plans stored without it were added")]
    private static partial void Backfilled(ILogger logger, long added);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Warning, Message = "Could not check the plan list at start; trying again shortly")]
    private static partial void BackfillFailed(ILogger logger, Exception exception);
}
