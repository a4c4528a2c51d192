using System.Text.Json;
using Microsoft.Extensions.Options;
using Proxy.Metering;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>Session records in Redis: written at open, finalized exactly once, read back for the admin API.</summary>
internal sealed class SessionRecordStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly SessionIndexStore _index;
    private readonly IOptions<StorageOptions> _options;
    private readonly RecordsStreamAppender _stream;

    public SessionRecordStore(IConnectionMultiplexer redis, RedisKeys keys, SessionIndexStore index, RecordsStreamAppender stream, IOptions<StorageOptions> options)
    {
        _redis = redis;
        _keys = keys;
        _index = index;
        _stream = stream;
        _options = options;
    }

    private IDatabase Database => _redis.GetDatabase();

    /// <summary>Writes the open record, and a lease for it if it has none, unless the record exists already; returns
    /// whether this call wrote it.</summary>
    public async Task<bool> WriteOpenAsync(SessionRecord record)
    {
        var entries = SessionRecordHash.ToEntries(record);
        var args = new RedisValue[3 + (entries.Length * 2)];
        args[0] = record.SessionId;
        args[1] = record.ClientOpenedAtMs;
        args[2] = (long)_options.Value.LeaseTtl.TotalMilliseconds;
        CopyPairs(entries, args, 3);

        var db = Database;
        var indexTask = _index.WriteAsync(db, record.SessionId, record.CustomerId);
        var written = await db.ScriptEvaluateAsync(
            SessionRecordScripts.Open,
            [_keys.Session(record.CustomerId, record.SessionId), _keys.CustomerSessions(record.CustomerId), _keys.Leases(record.CustomerId)],
            args).ConfigureAwait(false);
        await indexTask.ConfigureAwait(false);
        return (int)written == 1;
    }

    /// <summary>
    /// Closes the record (or replaces the reaper's estimate with this measurement), adds it to the customer's daily
    /// usage (or corrects it by the difference) and appends the version written to the records stream. Replaying it
    /// is harmless: a final record is counted by the call that wrote it, and only that one. Writes nothing and
    /// answers <see cref="FinalizeOutcome.IndicatorsMissing"/> when the record it would replace holds indicators
    /// this one was not rated with (<see cref="FinalRecordCommitter"/> merges them and retries).
    /// </summary>
    public async Task<FinalizeResult> FinalizeAsync(SessionRecord record)
    {
        var entries = SessionRecordHash.ToEntries(record with { RecordVersion = null });
        var args = new RedisValue[7 + (entries.Length * 2)];
        args[0] = record.SessionId;
        args[1] = record.ClientOpenedAtMs;
        args[2] = record.Estimated ? 1 : 0;
        args[3] = (long)_options.Value.RecordRetention.TotalMilliseconds;
        args[4] = record.Currency ?? string.Empty;
        args[5] = UsageIncrements.ToScriptArgument(UsageIncrements.For(record));
        args[6] = JsonSerializer.Serialize([.. record.Indicators?.Keys ?? []], StorageJsonContext.Default.ListString);
        CopyPairs(entries, args, 7);

        var db = Database;
        var customerId = record.CustomerId;
        var sessionKey = _keys.Session(customerId, record.SessionId);
        var indexTask = _index.WriteAsync(db, record.SessionId, customerId);
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(
            SessionRecordScripts.Finalize,
            [sessionKey, _keys.Usage(customerId, UsageDay(record)), _keys.CustomerSessions(customerId), _keys.Leases(customerId), _keys.UnstreamedRecords(customerId), _keys.UsageMonth(customerId, UsageDay(record))],
            args).ConfigureAwait(false))!;
        await indexTask.ConfigureAwait(false);
        var written = (int)result[0];
        var version = (long)result[1];

        if (written == 0)
        {
            return new FinalizeResult(FinalizeOutcome.AlreadyFinal, 0);
        }

        if (written == 3)
        {
            return new FinalizeResult(FinalizeOutcome.IndicatorsMissing, 0)
            {
                StoredIndicators = JsonSerializer.Deserialize((string)result[4]!, MeteringJsonContext.Default.IReadOnlyDictionaryStringIndicatorOutcome),
            };
        }

        if (written == 1)
        {
            await _stream.AppendAsync(db, customerId, record.SessionId, SessionRecordHash.ToEntries(record with { RecordVersion = version }), version).ConfigureAwait(false);
            return version == 1
                ? new FinalizeResult(FinalizeOutcome.Finalized, 0)
                : new FinalizeResult(FinalizeOutcome.ReplacedEstimate, (record.BillableMs ?? 0) - (long)result[2], (record.CostMicros ?? 0) - (long)result[3]);
        }

        // Closed before, its entry still owed: the entry is the record as stored, that version is the truth.
        await AppendStoredAsync(db, customerId, record.SessionId).ConfigureAwait(false);
        return new FinalizeResult(FinalizeOutcome.AlreadyFinal, 0);
    }

    /// <summary>
    /// Appends the stream entries still owed for one customer: final records whose writer failed or died between
    /// the finalize and the append, owed longer than <paramref name="grace"/> (so a writer still at it is not raced).
    /// Returns how many entries were appended. At-least-once: an entry appended by its writer just before it died
    /// can be appended again (consumers dedupe by session_id and record_version).
    /// </summary>
    public async Task<int> AppendOwedAsync(string customerId, TimeSpan grace, int limit = 500)
    {
        var db = Database;
        var owed = (RedisResult[])(await db.ScriptEvaluateAsync(
            SessionRecordScripts.Owed, [_keys.UnstreamedRecords(customerId)], [(long)grace.TotalMilliseconds, limit]).ConfigureAwait(false))!;
        var appended = 0;
        foreach (var sessionId in owed)
        {
            if (await AppendStoredAsync(db, customerId, (string)sessionId!).ConfigureAwait(false))
            {
                appended++;
            }
        }

        return appended;
    }

    private async Task<bool> AppendStoredAsync(IDatabase db, string customerId, string sessionId)
    {
        var stored = await db.HashGetAllAsync(_keys.Session(customerId, sessionId)).ConfigureAwait(false);
        if (SessionRecordHash.FromHash(stored) is not { Status: SessionStatus.Closed } record)
        {
            // Expired by retention (or never closed): nothing to append, nothing owed.
            await db.SortedSetRemoveAsync(_keys.UnstreamedRecords(customerId), sessionId).ConfigureAwait(false);
            return false;
        }

        // Records finalized before versions existed are version 1.
        var version = record.RecordVersion ?? 1;
        var pending = stored.FirstOrDefault(field => field.Name == RecordsStreamAppender.PendingEntryField).Value;
        await _stream.AppendAsync(db, customerId, sessionId, SessionRecordHash.ToEntries(record with { RecordVersion = version }), version, pending).ConfigureAwait(false);
        return true;
    }

    /// <summary>Refreshes the open records of one customer's live sessions in one round trip.</summary>
    public Task HeartbeatAsync(string customerId, IReadOnlyList<SessionHeartbeat> sessions)
    {
        var keys = new RedisKey[sessions.Count];
        var args = new RedisValue[sessions.Count * 7];
        for (var i = 0; i < sessions.Count; i++)
        {
            var s = sessions[i];
            keys[i] = _keys.Session(customerId, s.SessionId);
            args[(i * 7) + 0] = s.LastSeenMs;
            args[(i * 7) + 1] = s.LastActivityMs;
            args[(i * 7) + 2] = s.FramesIn;
            args[(i * 7) + 3] = s.FramesOut;
            args[(i * 7) + 4] = s.BytesIn;
            args[(i * 7) + 5] = s.BytesOut;
            args[(i * 7) + 6] = s.DeepgramRequestId ?? string.Empty;
        }

        return Database.ScriptEvaluateAsync(SessionRecordScripts.Heartbeat, keys, args);
    }

    public async Task<SessionRecord?> GetAsync(string sessionId)
    {
        var db = Database;
        var customerId = await _index.FindCustomerAsync(sessionId).ConfigureAwait(false);
        if (customerId is null)
        {
            return null;
        }

        var hash = await db.HashGetAllAsync(_keys.Session(customerId, sessionId)).ConfigureAwait(false);
        return SessionRecordHash.FromHash(hash);
    }

    /// <summary>The records of these sessions of one customer (missing ones are left out).</summary>
    public async Task<IReadOnlyList<SessionRecord>> GetManyAsync(string customerId, IEnumerable<string> sessionIds)
    {
        var db = Database;
        var reads = sessionIds.Select(id => db.HashGetAllAsync(_keys.Session(customerId, id))).ToArray();
        var records = new List<SessionRecord>(reads.Length);
        foreach (var read in reads)
        {
            if (SessionRecordHash.FromHash(await read.ConfigureAwait(false)) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    /// <summary>Records of one customer opened in [fromMs, toMs], newest first, at most <paramref name="limit"/>
    /// (filtered by status when given).</summary>
    public async Task<IReadOnlyList<SessionRecord>> ListAsync(
        string customerId, long fromMs, long toMs, string? status, int limit)
    {
        var db = Database;
        var result = new List<SessionRecord>();
        var skip = 0;
        const int Page = 200;
        while (result.Count < limit)
        {
            var ids = await db.SortedSetRangeByScoreAsync(
                _keys.CustomerSessions(customerId), fromMs, toMs, Exclude.None, Order.Descending, skip, Page)
                .ConfigureAwait(false);
            if (ids.Length == 0)
            {
                break;
            }

            var reads = new Task<HashEntry[]>[ids.Length];
            for (var i = 0; i < ids.Length; i++)
            {
                reads[i] = db.HashGetAllAsync(_keys.Session(customerId, ids[i]!));
            }

            foreach (var read in reads)
            {
                var record = SessionRecordHash.FromHash(await read.ConfigureAwait(false));
                if (record is not null && (status is null || record.Status == status) && result.Count < limit)
                {
                    result.Add(record);
                }
            }

            skip += ids.Length;
            if (ids.Length < Page)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>Every record of a customer opened (client open) within [<paramref name="fromMs"/>, <paramref name="toMs"/>],
    /// oldest first, read a page at a time: an export of any size holds one page in memory.</summary>
    public async IAsyncEnumerable<SessionRecord> StreamAsync(
        string customerId, long fromMs, long toMs, string? status, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var db = Database;
        const int Page = 500;
        for (var skip = 0L; ; skip += Page)
        {
            var ids = await db.SortedSetRangeByScoreAsync(
                _keys.CustomerSessions(customerId), fromMs, toMs, Exclude.None, Order.Ascending, skip, Page).ConfigureAwait(false);
            var reads = ids.Select(id => db.HashGetAllAsync(_keys.Session(customerId, id!))).ToArray();
            foreach (var read in reads)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (SessionRecordHash.FromHash(await read.ConfigureAwait(false)) is { } record && (status is null || record.Status == status))
                {
                    yield return record;
                }
            }

            if (ids.Length < Page)
            {
                yield break;
            }
        }
    }

    /// <summary>Usage is booked on the UTC day the session started.</summary>
    internal static DateOnly UsageDay(SessionRecord record) =>
        DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(record.UpstreamOpenedAtMs ?? record.ClientOpenedAtMs).UtcDateTime);

    private static void CopyPairs(NameValueEntry[] entries, RedisValue[] args, int offset)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            args[offset + (2 * i)] = entries[i].Name;
            args[offset + (2 * i) + 1] = entries[i].Value;
        }
    }
}
