using Proxy.Metering;

namespace Proxy.Storage;

/// <summary>
/// Writes a final record to Redis rated, with every outcome indicator posted for the session: every final record,
/// live, replayed from the spool or the reaper's estimate, goes through here. The session's indicators may be on the
/// record in Redis and not on this one (posted during the call, on the reaper's estimate, or in the moment between
/// this record's rating and its write); the finalize script then writes nothing and answers them, and this record
/// takes them, is rated again and retried. An indicator is billed once: the record it replaces had it counted, and
/// the replacement takes that record's usage back out.
/// </summary>
internal sealed partial class FinalRecordCommitter
{
    /// <summary>How many times a final record is merged and retried before it goes to the spool instead (each retry
    /// means another indicator was posted on the session during the last one, so this is only reached under a storm
    /// of posts; the spool replays it later).</summary>
    internal const int MaxAttempts = IndicatorStore.MaxAttempts;

    private readonly SessionRecordStore _store;
    private readonly IFinalRecordRater _rater;
    private readonly ILogger<FinalRecordCommitter> _logger;

    public FinalRecordCommitter(SessionRecordStore store, IFinalRecordRater rater, ILogger<FinalRecordCommitter> logger)
    {
        _store = store;
        _rater = rater;
        _logger = logger;
    }

    /// <summary>Rates the record unless it was rated already (a spooled record rated before Redis went away keeps its
    /// rating), then finalizes it, merging and rating again as often as Redis holds indicators it lacks. Returns what
    /// the write did and the record as written (as offered, for <see cref="FinalizeOutcome.AlreadyFinal"/>). Throws
    /// <see cref="StorageUnavailableException"/> after <see cref="MaxAttempts"/> refusals: the writer spools it.</summary>
    public async Task<(FinalizeResult Result, SessionRecord Record)> CommitAsync(SessionRecord record)
    {
        var rated = record.CostMicros is null ? await _rater.RateAsync(record).ConfigureAwait(false) : record;
        for (var attempt = 1; ; attempt++)
        {
            var result = await _store.FinalizeAsync(rated).ConfigureAwait(false);
            if (result.Outcome != FinalizeOutcome.IndicatorsMissing)
            {
                return (result, rated);
            }

            if (attempt >= MaxAttempts)
            {
                GaveUp(_logger, record.SessionId, record.CustomerId, MaxAttempts);
                throw new StorageUnavailableException(
                    $"Session {record.SessionId} got new indicators during each of {MaxAttempts} attempts to write its final record.");
            }

            var merged = IndicatorMerge.Into(rated, result.StoredIndicators!);
            Merged(_logger, record.SessionId, record.CustomerId, result.StoredIndicators!.Keys, record.Estimated);
            rated = await _rater.RateAsync(merged).ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 7310, Level = LogLevel.Information,
        Message = "The final record of session {SessionId} of {CustomerId} (estimated: {Estimated}) is rated again with the indicators stored for it before it was written: {Indicators}")]
    private static partial void Merged(ILogger logger, string sessionId, string customerId, IEnumerable<string> indicators, bool estimated);

    [LoggerMessage(EventId = 7311, Level = LogLevel.Warning,
        Message = "The final record of session {SessionId} of {CustomerId} met new indicators in each of {Attempts} attempts; it goes to the spool and is written at replay")]
    private static partial void GaveUp(ILogger logger, string sessionId, string customerId, int attempts);
}
