using System.Globalization;
using Microsoft.Extensions.Options;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Admin;

/// <summary>What a page of the audit log asks for: entries at [<see cref="FromMs"/>, <see cref="ToMs"/>] (their
/// <c>at_ms</c>), of one actor when given, after a cursor.</summary>
internal sealed record AuditQuery(long FromMs, long ToMs, string? Actor, int Limit, AuditCursor? After);

/// <summary>A page of entries, newest first, and where the next page starts (null on the last).</summary>
internal sealed record AuditPage(IReadOnlyList<AuditEntryView> Entries, AuditCursor? Next);

/// <summary>
/// The audit log: one Redis stream (<c>&lt;prefix&gt;audit</c>, one key, so any Redis Cluster slot will do), each
/// change appended with <c>XADD … MAXLEN ~ Admin:AuditMaxEntries</c>, read newest first with <c>XREVRANGE</c>.
/// </summary>
internal sealed class AuditLogStore
{
    /// <summary>Entries are found by stream id (Redis's clock) and filtered by <c>at_ms</c> (the writing instance's
    /// clock): ids this far beyond <c>from</c>/<c>to</c> are read too, so clocks apart by less still filter exactly.</summary>
    internal const long ClockAllowanceMs = 60_000;

    /// <summary>The most entries one page reads when a filter skips many (an actor's rare changes); a page that
    /// stops there carries a cursor to go on from.</summary>
    internal const int MaxScannedPerPage = 10_000;

    private const string AtMsField = "at_ms";
    private const string ActorField = "actor";
    private const string RoleField = "role";
    private const string MethodField = "method";
    private const string PathField = "path";
    private const string RouteField = "route";
    private const string StatusField = "status";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly IOptions<AdminOptions> _options;

    public AuditLogStore(IConnectionMultiplexer redis, RedisKeys keys, IOptions<AdminOptions> options)
    {
        _redis = redis;
        _keys = keys;
        _options = options;
    }

    /// <summary>Appends the entry; throws what Redis throws.</summary>
    public Task AppendAsync(AuditEntry entry) =>
        _redis.GetDatabase().StreamAddAsync(_keys.Audit, Fields(entry), maxLength: _options.Value.AuditMaxEntries, useApproximateMaxLength: true);

    public async Task<AuditPage> ReadAsync(AuditQuery query)
    {
        var db = _redis.GetDatabase();
        var (bound, empty) = Newest(query);
        if (empty)
        {
            return new AuditPage([], null);
        }

        RedisValue oldest = query.FromMs > ClockAllowanceMs
            ? (query.FromMs - ClockAllowanceMs).ToString(CultureInfo.InvariantCulture) + "-0"
            : "-";
        var batchSize = Math.Max(query.Limit + 1, 100);
        var page = new List<AuditEntryView>();
        AuditCursor? lastRead = null;
        var scanned = 0;
        while (scanned < MaxScannedPerPage)
        {
            var batch = await db.StreamRangeAsync(_keys.Audit, oldest, bound is { } b ? b.EntryId : "+", batchSize, Order.Descending).ConfigureAwait(false);
            foreach (var streamEntry in batch)
            {
                scanned++;
                if (!AuditCursor.TryParseEntryId(streamEntry.Id, out var id))
                {
                    continue;
                }

                lastRead = id;
                if (Read(streamEntry) is { } entry && Matches(entry, query))
                {
                    page.Add(entry.View(id.EntryId));
                    if (page.Count > query.Limit)
                    {
                        page.RemoveAt(query.Limit);
                        return new AuditPage(page, AuditCursor.TryParseEntryId(page[^1].Id, out var next) ? next : null);
                    }
                }
            }

            if (batch.Length < batchSize || lastRead?.Previous() is not { } previous)
            {
                return new AuditPage(page, null);
            }

            bound = previous;
        }

        // Read as much as one page may without filling it: the client goes on from the last entry read.
        return new AuditPage(page, lastRead);
    }

    /// <summary>The newest stream id the page may hold (null: the stream's end), or exhausted when nothing can.</summary>
    private static (AuditCursor? Bound, bool Empty) Newest(AuditQuery query)
    {
        AuditCursor? bound = null;
        if (query.After is { } after)
        {
            if (after.Previous() is not { } previous)
            {
                return (null, true);
            }

            bound = previous;
        }

        if (query.ToMs < long.MaxValue - ClockAllowanceMs)
        {
            var byTime = new AuditCursor((ulong)(query.ToMs + ClockAllowanceMs), ulong.MaxValue);
            bound = bound is { } b && Older(b, byTime) ? b : byTime;
        }

        return (bound, false);
    }

    private static bool Older(AuditCursor a, AuditCursor b) => a.Ms < b.Ms || (a.Ms == b.Ms && a.Sequence < b.Sequence);

    private static bool Matches(AuditEntry entry, AuditQuery query) =>
        entry.AtMs >= query.FromMs && entry.AtMs <= query.ToMs
        && (string.IsNullOrEmpty(query.Actor) || string.Equals(entry.Actor, query.Actor, StringComparison.Ordinal));

    internal static NameValueEntry[] Fields(AuditEntry entry) =>
    [
        new(AtMsField, entry.AtMs),
        new(ActorField, entry.Actor),
        new(RoleField, entry.Role.Name()),
        new(MethodField, entry.Method),
        new(PathField, entry.Path),
        new(RouteField, entry.Route),
        new(StatusField, entry.Status),
    ];

    /// <summary>The entry of a stream entry, or null for one this code did not write.</summary>
    internal static AuditEntry? Read(StreamEntry streamEntry)
    {
        if (!long.TryParse((string?)streamEntry[AtMsField], NumberStyles.None, CultureInfo.InvariantCulture, out var atMs)
            || !int.TryParse((string?)streamEntry[StatusField], NumberStyles.None, CultureInfo.InvariantCulture, out var status)
            || !AdminRoles.TryParse(streamEntry[RoleField], out var role))
        {
            return null;
        }

        return new AuditEntry(atMs, (string?)streamEntry[ActorField] ?? "", role, (string?)streamEntry[MethodField] ?? "",
            (string?)streamEntry[PathField] ?? "", (string?)streamEntry[RouteField] ?? "", status);
    }
}
