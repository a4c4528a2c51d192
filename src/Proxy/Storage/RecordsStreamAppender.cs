using System.Globalization;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Appends a final record's version to the <c>dgp:records</c> stream and only then takes it off the customer's
/// unstreamed set. The stream lives on one master, and replication is asynchronous: an entry that master answered
/// but no replica got is gone when the replica is promoted. So the entry counts as appended once a replica confirms
/// it (<see cref="ReplicaAcknowledgement"/>); until then the session stays owed, with the id of the entry it got. The
/// reaper's next pass (<see cref="SessionRecordStore.AppendOwedAsync"/>) asks again for an entry still in the stream
/// and appends again only one a failover lost, so a slow replica does not put a version in the feed twice.
/// </summary>
internal sealed class RecordsStreamAppender
{
    /// <summary>Session-hash field: "&lt;record_version&gt; &lt;stream entry id&gt;" of an entry appended but not yet
    /// confirmed by a replica.</summary>
    internal const string PendingEntryField = "stream_entry_pending";

    // KEYS: session hash. ARGV: record_version appended, its entry id. Only for the version still stored.
    private const string RememberPending = """
        if (redis.call('HGET', KEYS[1], 'record_version') or '1') == ARGV[1] then
          redis.call('HSET', KEYS[1], 'stream_entry_pending', ARGV[1] .. ' ' .. ARGV[2])
        end
        return 1
        """;

    private readonly RedisKeys _keys;
    private readonly ReplicaAcknowledgement _replicas;

    public RecordsStreamAppender(RedisKeys keys, ReplicaAcknowledgement replicas)
    {
        _keys = keys;
        _replicas = replicas;
    }

    /// <summary>True when the entry is in the stream and confirmed (the session is no longer owed); false when no
    /// replica confirmed it in time (still owed, its entry id remembered). <paramref name="pendingEntry"/>: the
    /// session hash's <see cref="PendingEntryField"/>, when the caller read it. Throws what Redis throws.</summary>
    public async Task<bool> AppendAsync(IDatabase db, string customerId, string sessionId, NameValueEntry[] entries, long version, RedisValue pendingEntry = default)
    {
        var sessionKey = _keys.Session(customerId, sessionId);
        var id = await StillInStreamAsync(db, pendingEntry, version).ConfigureAwait(false)
            ?? await db.StreamAddAsync(_keys.Records, entries).ConfigureAwait(false);
        if (!await _replicas.ConfirmAsync(_keys.Records).ConfigureAwait(false))
        {
            await db.ScriptEvaluateAsync(RememberPending, [sessionKey], [version, id]).ConfigureAwait(false);
            return false;
        }

        await db.ScriptEvaluateAsync(
            SessionRecordScripts.MarkStreamed,
            [sessionKey, _keys.UnstreamedRecords(customerId)],
            [sessionId, version]).ConfigureAwait(false);
        return true;
    }

    /// <summary>The id of this version's earlier, unconfirmed entry when the stream still holds it.</summary>
    private async Task<RedisValue?> StillInStreamAsync(IDatabase db, RedisValue pendingEntry, long version)
    {
        var text = (string?)pendingEntry;
        var space = text?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        if (space <= 0 || text![..space] != version.ToString(CultureInfo.InvariantCulture))
        {
            return null;
        }

        var id = text[(space + 1)..];
        var found = await db.StreamRangeAsync(_keys.Records, id, id, 1).ConfigureAwait(false);
        return found.Length == 1 ? (RedisValue?)id : null;
    }
}
