using Proxy.Metering;

namespace Proxy.Storage;

/// <summary>
/// Writes a final record to Redis rated: every final record, live, replayed from the spool or the reaper's estimate,
/// goes through here, so none is stored without its price.
/// </summary>
internal sealed class FinalRecordCommitter
{
    private readonly SessionRecordStore _store;
    private readonly IFinalRecordRater _rater;

    public FinalRecordCommitter(SessionRecordStore store, IFinalRecordRater rater)
    {
        _store = store;
        _rater = rater;
    }

    /// <summary>Rates the record unless it was rated already (a spooled record rated before Redis went away keeps its
    /// rating), then finalizes it. Returns what the write did and the record as written.</summary>
    public async Task<(FinalizeResult Result, SessionRecord Record)> CommitAsync(SessionRecord record)
    {
        var rated = record.CostMicros is null ? await _rater.RateAsync(record).ConfigureAwait(false) : record;
        return (await _store.FinalizeAsync(rated).ConfigureAwait(false), rated);
    }
}
