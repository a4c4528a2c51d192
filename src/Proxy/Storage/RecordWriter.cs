using Proxy.Metering;
using Proxy.Telemetry;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Where every record write goes: Redis when it takes it, else the local spool, fsync'd. A write that reached neither
/// would be a lost record, so the spool is not optional: if it fails too, the error escapes to be logged with the
/// whole record.
/// </summary>
internal sealed partial class RecordWriter
{
    /// <summary>
    /// How long a write waits for Redis before the record goes to the spool instead. A frozen or partitioned Redis
    /// answers nothing while the connection still looks up, and a final record takes several commands: unbounded, one
    /// write could outlast the drain and the process would exit with the record in neither place. A write that lands
    /// in Redis after all is harmless: replaying the spooled copy is a no-op.
    /// </summary>
    public static readonly TimeSpan RedisWriteLimit = TimeSpan.FromSeconds(5);

    private readonly SessionRecordStore _store;
    private readonly FinalRecordCommitter _finals;
    private readonly RecordSpool _spool;
    private readonly ReplicaAcknowledgement _replicas;
    private readonly RedisKeys _keys;
    private readonly IConnectionMultiplexer _redis;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<RecordWriter> _logger;

    public RecordWriter(SessionRecordStore store, FinalRecordCommitter finals, RecordSpool spool, ReplicaAcknowledgement replicas, RedisKeys keys, IConnectionMultiplexer redis, ProxyMetrics metrics, TimeProvider time, ILogger<RecordWriter> logger)
    {
        _time = time;
        _store = store;
        _finals = finals;
        _spool = spool;
        _replicas = replicas;
        _keys = keys;
        _redis = redis;
        _metrics = metrics;
        _logger = logger;
    }

    public Task WriteOpenAsync(SessionRecord record) => WriteAsync(SpoolEntry.Open, record);

    public Task FinalizeAsync(SessionRecord record) => WriteAsync(SpoolEntry.Final, record);

    /// <summary>Applies a spooled entry to Redis (the replay); throws if Redis cannot take it.</summary>
    public Task ReplayAsync(SpoolEntry entry) => ApplyAsync(entry, RecordWriteResults.Replayed);

    private async Task ApplyAsync(SpoolEntry entry, string result)
    {
        if (entry.Op == SpoolEntry.Open)
        {
            await _store.WriteOpenAsync(entry.Record).ConfigureAwait(false);
            _metrics.RecordWritten(SessionRecordMetrics.KindOf(entry.Op), result);
            return;
        }

        // Rated here, with Redis reachable: a record spooled because its plan could not be read is rated at replay.
        // A session is counted once, by whichever final record reached Redis first. The one exception is the
        // reaper's estimate (this instance was cut off, or died and came back, or replayed late): the measurement
        // replaces it and usage moves by the difference.
        var (written, final) = await _finals.CommitAsync(entry.Record).ConfigureAwait(false);
        switch (written.Outcome)
        {
            case FinalizeOutcome.Finalized:
                _metrics.RecordWritten(SessionRecordMetrics.KindOf(entry.Op), result);
                _metrics.SessionFinalized(final);
                break;
            case FinalizeOutcome.ReplacedEstimate:
                _metrics.RecordWritten(SessionRecordMetrics.KindOf(entry.Op), RecordWriteResults.ReplacedEstimate);
                _metrics.Corrected(final, written);
                ReplacedEstimate(_logger, final.SessionId, final.CustomerId, final.DurationMs);
                break;
            default:
                _metrics.RecordWritten(SessionRecordMetrics.KindOf(entry.Op), RecordWriteResults.AlreadyFinal);
                AlreadyFinal(_logger, final.SessionId, final.CustomerId, final.DurationMs);
                break;
        }

        // Written, but only to the master: a failover before its replica has it would lose it. Not yet written, then:
        // it goes to (or stays in) the spool, and the replay writes it again (already final: nothing counted twice).
        if (!await _replicas.ConfirmAsync(_keys.Session(final.CustomerId, final.SessionId)).ConfigureAwait(false))
        {
            throw new StorageUnavailableException(
                $"No replica confirmed the final record of session {final.SessionId} within Storage:ReplicaAckTimeout.");
        }
    }

    private async Task WriteAsync(string op, SessionRecord record)
    {
        if (_redis.IsConnected)
        {
            try
            {
                await ApplyAsync(new SpoolEntry(op, record), RecordWriteResults.Ok).WithinAsync(RedisWriteLimit, _time).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or StorageUnavailableException)
            {
                Spooled(_logger, op, record.SessionId, ex is TimeoutException and not RedisTimeoutException
                    ? $"Redis did not take it within {RedisWriteLimit.TotalSeconds:0} s"
                    : ex.Message);
            }
        }
        else
        {
            Spooled(_logger, op, record.SessionId, "Redis is not connected");
        }

        try
        {
            await _spool.AppendAsync(new SpoolEntry(op, record)).ConfigureAwait(false);
        }
        catch
        {
            _metrics.RecordWritten(SessionRecordMetrics.KindOf(op), RecordWriteResults.Failed);
            throw;
        }

        _metrics.RecordWritten(SessionRecordMetrics.KindOf(op), RecordWriteResults.Spooled);
    }

    [LoggerMessage(EventId = 4105, Level = LogLevel.Information, Message = "Session {SessionId} of {CustomerId} was already final in Redis (a replay, or written before); this record, {DurationMs} ms, is not counted again")]
    private static partial void AlreadyFinal(ILogger logger, string sessionId, string customerId, long? durationMs);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Session {SessionId} of {CustomerId} had been finalized by the reaper with an estimate; this instance's measurement, {DurationMs} ms, replaced it (usage corrected, new record version streamed)")]
    private static partial void ReplacedEstimate(ILogger logger, string sessionId, string customerId, long? durationMs);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "The {Op} record of session {SessionId} went to the local spool: {Reason}")]
    private static partial void Spooled(ILogger logger, string op, string sessionId, string reason);
}
