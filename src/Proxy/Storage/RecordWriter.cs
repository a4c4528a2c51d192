using Proxy.Metering;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Where every record write goes: Redis when it takes it, else the local spool, fsync'd. A write that reached neither
/// would be a lost record, so the spool is not optional: if it fails too, the error escapes to be logged with the
/// whole record.
/// </summary>
internal sealed partial class RecordWriter
{
    private readonly SessionRecordStore _store;
    private readonly RecordSpool _spool;
    private readonly IConnectionMultiplexer _redis;
    private readonly ILogger<RecordWriter> _logger;

    public RecordWriter(SessionRecordStore store, RecordSpool spool, IConnectionMultiplexer redis, ILogger<RecordWriter> logger)
    {
        _store = store;
        _spool = spool;
        _redis = redis;
        _logger = logger;
    }

    public Task WriteOpenAsync(SessionRecord record) => WriteAsync(SpoolEntry.Open, record);

    public Task FinalizeAsync(SessionRecord record) => WriteAsync(SpoolEntry.Final, record);

    /// <summary>Applies a spooled entry to Redis (the replay); throws if Redis cannot take it.</summary>
    public async Task ApplyAsync(SpoolEntry entry)
    {
        if (entry.Op == SpoolEntry.Open)
        {
            await _store.WriteOpenAsync(entry.Record).ConfigureAwait(false);
            return;
        }

        // First final wins, so usage counts the session once. When this instance was cut off from Redis long enough
        // for the reaper to finalize its session with an estimate, the measured figures stay here, in the log.
        if (!await _store.FinalizeAsync(entry.Record).ConfigureAwait(false))
        {
            AlreadyFinal(_logger, entry.Record.SessionId, entry.Record.CustomerId, entry.Record.DurationMs);
        }
    }

    private async Task WriteAsync(string op, SessionRecord record)
    {
        if (_redis.IsConnected)
        {
            try
            {
                await ApplyAsync(new SpoolEntry(op, record)).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                Spooled(_logger, op, record.SessionId, ex.Message);
            }
        }
        else
        {
            Spooled(_logger, op, record.SessionId, "Redis is not connected");
        }

        await _spool.AppendAsync(new SpoolEntry(op, record)).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Session {SessionId} of {CustomerId} was already final in Redis (finalized by the reaper while this instance was cut off, or written before); this instance's measurement, {DurationMs} ms, is not counted again")]
    private static partial void AlreadyFinal(ILogger logger, string sessionId, string customerId, long? durationMs);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "The {Op} record of session {SessionId} went to the local spool: {Reason}")]
    private static partial void Spooled(ILogger logger, string op, string sessionId, string reason);
}
