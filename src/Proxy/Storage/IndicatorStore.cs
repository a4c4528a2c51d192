using System.Globalization;
using System.Text.Json;
using Proxy.Metering;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Outcome indicators on session records. On a final record: read the record, compute its new indicators, cost, cost
/// parts and usage increments, and apply them with <see cref="IndicatorScripts.Apply"/> if the record is still the
/// version read (else read again). The new version is then appended to the records stream; until that append is
/// confirmed the session stays in the customer's unstreamed set, which the reaper re-appends from. On an open record
/// (the call is still on) only the indicator is stored (<see cref="IndicatorScripts.AddToOpen"/>): the final record
/// takes it and is rated with it (<see cref="FinalRecordCommitter"/>).
/// </summary>
internal sealed partial class IndicatorStore
{
    /// <summary>How many times a post re-reads a record that changed under it before giving up (each change is a
    /// concurrent post or a measured final, so this is only reached under a storm of them).</summary>
    internal const int MaxAttempts = 8;

    /// <summary>How many of a customer's most recent sessions a client-session lookup looks through.</summary>
    internal const int MaxClientSessionScan = 10_000;

    private const int ScanPage = 200;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly SessionIndexStore _index;
    private readonly RecordsStreamAppender _stream;
    private readonly ILogger<IndicatorStore> _logger;

    public IndicatorStore(IConnectionMultiplexer redis, RedisKeys keys, SessionIndexStore index, RecordsStreamAppender stream, ILogger<IndicatorStore> logger)
    {
        _redis = redis;
        _keys = keys;
        _index = index;
        _stream = stream;
        _logger = logger;
    }

    /// <summary>The customer of a session found by its id alone; null when unknown.</summary>
    public Task<string?> FindCustomerAsync(string sessionId) => _index.FindCustomerAsync(sessionId);

    /// <summary>The customer's most recently opened session with this client session id (looking through its
    /// <see cref="MaxClientSessionScan"/> latest sessions, newest first); null when none has it.</summary>
    public async Task<string?> FindLatestByClientSessionAsync(string customerId, string clientSessionId)
    {
        var db = _redis.GetDatabase();
        for (var skip = 0; skip < MaxClientSessionScan; skip += ScanPage)
        {
            var ids = await db.SortedSetRangeByScoreAsync(
                _keys.CustomerSessions(customerId), order: Order.Descending, skip: skip, take: ScanPage).ConfigureAwait(false);
            var reads = new Task<RedisValue>[ids.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                reads[i] = db.HashGetAsync(_keys.Session(customerId, ids[i]!), "client_session_id");
            }

            for (var i = 0; i < ids.Length; i++)
            {
                if (await reads[i].ConfigureAwait(false) == clientSessionId)
                {
                    return ids[i];
                }
            }

            if (ids.Length < ScanPage)
            {
                break;
            }
        }

        return null;
    }

    /// <summary>
    /// Records indicator <paramref name="name"/> = <paramref name="value"/> on the customer's session, open or closed,
    /// with the fee <paramref name="feeOf"/> gives for the record as read (charged once per name, whatever the value;
    /// on an open record the final record's rating sets it for good), or reports why not. Posting the same name and
    /// value again changes nothing.
    /// </summary>
    public async Task<IndicatorPostResult> PostAsync(string customerId, string sessionId, string name, decimal value, Func<SessionRecord, Task<long>> feeOf)
    {
        var db = _redis.GetDatabase();
        var sessionKey = _keys.Session(customerId, sessionId);
        for (var attempt = 1; ; attempt++)
        {
            var hash = await db.HashGetAllAsync(sessionKey).ConfigureAwait(false);
            if (SessionRecordHash.FromHash(hash) is not { } record || record.CustomerId != customerId)
            {
                return new IndicatorPostResult(IndicatorPostStatus.NotFound);
            }

            // An open record has no version yet (it gets 1 when final).
            var closed = record.Status == SessionStatus.Closed;
            long? readVersion = closed ? record.RecordVersion ?? 1 : null;
            if (record.Indicators is { } posted && posted.TryGetValue(name, out var earlier))
            {
                return new IndicatorPostResult(
                    earlier.Value == value ? IndicatorPostStatus.Repeated : IndicatorPostStatus.Conflict, sessionId, earlier, readVersion);
            }

            var fee = await feeOf(record).ConfigureAwait(false);
            var atMs = await RedisNowMsAsync(db).ConfigureAwait(false);
            var indicator = new IndicatorOutcome(value, fee, atMs);
            if (!closed)
            {
                var added = (long)await db.ScriptEvaluateAsync(
                    IndicatorScripts.AddToOpen,
                    [sessionKey],
                    [customerId, Field(hash, "indicators") ?? string.Empty, IndicatorChange.IndicatorsWith(record, name, indicator)]).ConfigureAwait(false);
                if (added == 1)
                {
                    return new IndicatorPostResult(IndicatorPostStatus.Created, sessionId, indicator);
                }

                if (added == 0)
                {
                    return new IndicatorPostResult(IndicatorPostStatus.NotFound);
                }

                if (attempt >= MaxAttempts)
                {
                    throw new InvalidOperationException($"Session {sessionId} changed under {MaxAttempts} indicator posts in a row; try again.");
                }

                continue;
            }
            var change = IndicatorChange.For(record, Field(hash, "usage_increments"), name, indicator);
            var day = SessionRecordStore.UsageDay(record);
            var applied = (long)(await db.ScriptEvaluateAsync(
                IndicatorScripts.Apply,
                [sessionKey, _keys.Usage(customerId, day), _keys.UsageMonth(customerId, day), _keys.UnstreamedRecords(customerId)],
                [customerId, readVersion!.Value, sessionId, change.IndicatorsJson, change.CostMicros, change.CostPartsJson, change.UsageIncrementsJson, change.IncrementsJson])
                .ConfigureAwait(false));
            if (applied > 0)
            {
                await AppendToStreamAsync(db, customerId, sessionId, applied).ConfigureAwait(false);
                return new IndicatorPostResult(IndicatorPostStatus.Created, sessionId, indicator, applied);
            }

            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException($"Session {sessionId} changed under {MaxAttempts} indicator posts in a row; try again.");
            }
        }
    }

    private static string? Field(HashEntry[] hash, string name)
    {
        foreach (var entry in hash)
        {
            if (entry.Name == name)
            {
                return entry.Value;
            }
        }

        return null;
    }

    private static async Task<long> RedisNowMsAsync(IDatabase db)
    {
        var time = (RedisResult[])(await db.ExecuteAsync("TIME").ConfigureAwait(false))!;
        return (long.Parse((string)time[0]!, CultureInfo.InvariantCulture) * 1000) + (long.Parse((string)time[1]!, CultureInfo.InvariantCulture) / 1000);
    }

    /// <summary>Appends the version just written, as stored. A failure here loses nothing: the session is in the
    /// unstreamed set and the reaper appends it after its grace.</summary>
    private async Task AppendToStreamAsync(IDatabase db, string customerId, string sessionId, long version)
    {
        try
        {
            var stored = SessionRecordHash.FromHash(await db.HashGetAllAsync(_keys.Session(customerId, sessionId)).ConfigureAwait(false));
            if (stored is not { Status: SessionStatus.Closed } || stored.RecordVersion != version)
            {
                // Changed again meanwhile: that writer appends its own version.
                return;
            }

            await _stream.AppendAsync(db, customerId, sessionId, SessionRecordHash.ToEntries(stored), version).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex) || ex is StorageUnavailableException)
        {
            StreamAppendDeferred(_logger, sessionId, version, ex.Message);
        }
    }

    [LoggerMessage(EventId = 7301, Level = LogLevel.Warning,
        Message = "Session {SessionId} version {RecordVersion} (an indicator) is stored but its records stream entry could not be appended ({Reason}); the reaper appends it")]
    private static partial void StreamAppendDeferred(ILogger logger, string sessionId, long recordVersion, string reason);
}
