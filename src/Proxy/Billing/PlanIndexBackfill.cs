using Proxy.Storage;

namespace Proxy.Billing;

/// <summary>
/// Lists the plans that exist but are not on the plan list (<see cref="PlanStore.BackfillIndexAsync"/>): all of them
/// the first time an instance of this version starts on data of an earlier one, afterwards those an instance of the
/// earlier version put during a rolling upgrade.
/// </summary>
internal sealed partial class PlanIndexBackfill : IndexBackfillService
{
    private readonly PlanStore _store;
    private readonly ILogger<PlanIndexBackfill> _logger;

    public PlanIndexBackfill(PlanStore store, RedisConnectionState connection, TimeProvider time, ILogger<PlanIndexBackfill> logger)
        : base(connection, time)
    {
        _store = store;
        _logger = logger;
    }

    protected override Task<long> BackfillAsync() => _store.BackfillIndexAsync();

    protected override void Backfilled(long added) => LogBackfilled(_logger, added);

    protected override void BackfillFailed(Exception exception) => LogBackfillFailed(_logger, exception);

    [LoggerMessage(EventId = 7110, Level = LogLevel.Information, Message = "Plan list checked at start: {Added} plans stored without it were added")]
    private static partial void LogBackfilled(ILogger logger, long added);

    [LoggerMessage(EventId = 7111, Level = LogLevel.Warning, Message = "Could not check the plan list at start; trying again shortly")]
    private static partial void LogBackfillFailed(ILogger logger, Exception exception);
}
