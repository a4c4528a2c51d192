using Microsoft.Extensions.Options;
using Proxy.Metering;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>Session records in Redis: written at open, finalized exactly once, read back for the admin API.</summary>
internal sealed class SessionRecordStore
{
    private const string StreamedField = "streamed";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly SessionIndexStore _index;
    private readonly IOptions<StorageOptions> _options;

    public SessionRecordStore(IConnectionMultiplexer redis, RedisKeys keys, SessionIndexStore index, IOptions<StorageOptions> options)
    {
        _redis = redis;
        _keys = keys;
        _index = index;
        _options = options;
    }

    private IDatabase Database => _redis.GetDatabase();

    /// <summary>Writes the open record unless one exists already; returns whether this call wrote it.</summary>
    public async Task<bool> WriteOpenAsync(SessionRecord record)
    {
        var entries = SessionRecordHash.ToEntries(record);
        var args = new RedisValue[2 + (entries.Length * 2)];
        args[0] = record.SessionId;
        args[1] = record.ClientOpenedAtMs;
        CopyPairs(entries, args, 2);

        var db = Database;
        var indexTask = _index.WriteAsync(db, record.SessionId, record.CustomerId);
        var written = await db.ScriptEvaluateAsync(
            SessionRecordScripts.Open,
            [_keys.Session(record.CustomerId, record.SessionId), _keys.CustomerSessions(record.CustomerId)],
            args).ConfigureAwait(false);
        await indexTask.ConfigureAwait(false);
        return (int)written == 1;
    }

    /// <summary>
    /// Closes the record, adds it to the customer's daily usage and appends it to the records stream. Replaying it is
    /// harmless: usage is counted by the call that moved the record from open to closed, and only that one.
    /// Returns whether this call closed the record.
    /// </summary>
    public async Task<bool> FinalizeAsync(SessionRecord record)
    {
        var entries = SessionRecordHash.ToEntries(record);
        var args = new RedisValue[5 + (entries.Length * 2)];
        args[0] = record.SessionId;
        args[1] = record.ClientOpenedAtMs;
        args[2] = record.DurationMs ?? 0;
        args[3] = record.BillableMs ?? 0;
        args[4] = (long)_options.Value.RecordRetention.TotalMilliseconds;
        CopyPairs(entries, args, 5);

        var db = Database;
        var sessionKey = _keys.Session(record.CustomerId, record.SessionId);
        var indexTask = _index.WriteAsync(db, record.SessionId, record.CustomerId);
        var outcome = (int)await db.ScriptEvaluateAsync(
            SessionRecordScripts.Finalize,
            [sessionKey, _keys.Usage(record.CustomerId, UsageDay(record)), _keys.CustomerSessions(record.CustomerId), _keys.Leases(record.CustomerId)],
            args).ConfigureAwait(false);
        await indexTask.ConfigureAwait(false);

        if (outcome == 0)
        {
            return false;
        }

        // The stream entry is the record as stored: when an earlier call closed it, that version is the truth.
        var streamEntries = outcome == 1
            ? entries
            : WithoutStreamedFlag(await db.HashGetAllAsync(sessionKey).ConfigureAwait(false));
        await db.StreamAddAsync(_keys.Records, streamEntries).ConfigureAwait(false);
        await db.HashSetAsync(sessionKey, StreamedField, 1).ConfigureAwait(false);
        return outcome == 1;
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

    private static NameValueEntry[] WithoutStreamedFlag(HashEntry[] hash)
    {
        var entries = new List<NameValueEntry>(hash.Length);
        foreach (var entry in hash)
        {
            if (entry.Name != StreamedField)
            {
                entries.Add(new NameValueEntry(entry.Name, entry.Value));
            }
        }

        return [.. entries];
    }
}
