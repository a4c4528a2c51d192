using Proxy.Metering;

namespace Proxy.Storage;

/// <summary>
/// Prices a final record before it is stored (Billing implements it; Storage owns the interface so every final record
/// goes through it, live, reaped or replayed from the spool). Returns the record with its rating, or unchanged when
/// it has no plan to be rated by. Throws <see cref="StorageUnavailableException"/> when the plan version cannot be
/// known now: the record is then spooled and rated at replay.
/// </summary>
internal interface IFinalRecordRater
{
    ValueTask<SessionRecord> RateAsync(SessionRecord record);
}
