using System.Globalization;
using System.Text.Json;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Billing;

/// <summary>
/// Plans and their versions in Redis (README, "Redis keys"): <see cref="RedisKeys.Plan"/> holds a plan's state,
/// <see cref="RedisKeys.PlanVersions"/> every version it ever had. Versions never change and are never removed, not
/// even by a delete: records rated by a version name it, and a session reaped or replayed after the delete is still
/// rated by the version in force when it opened. Every instant here is Redis's clock (<c>TIME</c>), so the order of
/// versions does not depend on which instance put them. The plan list is <see cref="RedisKeys.PlanIndex"/>, kept by
/// put and delete (another slot than the plan's, so a second command) and filled at start by
/// <see cref="BackfillIndexAsync"/> for plans stored before it existed.
/// </summary>
internal sealed class PlanStore
{
    // KEYS: plan hash, versions hash. ARGV: the version's JSON, its currency.
    // Numbers the new version and stamps it in one step, so concurrent puts make versions n and n+1, never two n. Its
    // instant never goes below the plan's previous change (a Redis failover to a node whose clock is behind), so the
    // versions stay in the order they were made. A live plan keeps its currency: it is refused with the one in force.
    private const string PutScript = """
        local deleted = redis.call('HGET', KEYS[1], 'deleted') == '1'
        local currency = redis.call('HGET', KEYS[1], 'currency')
        if currency and not deleted and currency ~= ARGV[2] then return {0, currency} end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local last = tonumber(redis.call('HGET', KEYS[1], 'last_at_ms') or '0')
        if now < last then now = last end
        local stamp = string.format('%d', now)
        local version = redis.call('HINCRBY', KEYS[1], 'current', 1)
        redis.call('HSET', KEYS[2], tostring(version), ARGV[1], version .. ':created_at_ms', stamp)
        redis.call('HSET', KEYS[1], 'currency', ARGV[2], 'last_at_ms', stamp)
        redis.call('HDEL', KEYS[1], 'deleted')
        return {version, stamp}
        """;

    // KEYS: plan hash, versions hash. Returns 0 when there is no live plan. The current version's end is written next
    // to it, so the versions hash stays append-only (readers cache it on that promise).
    private const string DeleteScript = """
        local current = redis.call('HGET', KEYS[1], 'current')
        if not current or redis.call('HGET', KEYS[1], 'deleted') == '1' then return 0 end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local last = tonumber(redis.call('HGET', KEYS[1], 'last_at_ms') or '0')
        if now < last then now = last end
        local stamp = string.format('%d', now)
        redis.call('HSET', KEYS[2], current .. ':deleted_at_ms', stamp)
        redis.call('HSET', KEYS[1], 'deleted', '1', 'last_at_ms', stamp)
        return 1
        """;

    // KEYS: versions hash. Redis's clock read in the same atomic step as the versions: a version made later carries an
    // instant at or after it. TIME from the key's own node (in a Cluster, another node's clock could be elsewhere).
    private const string ReadHistoryScript = """
        local t = redis.call('TIME')
        return {t[1], t[2], redis.call('HGETALL', KEYS[1])}
        """;

    private const string CreatedSuffix = ":created_at_ms";
    private const string DeletedSuffix = ":deleted_at_ms";

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public PlanStore(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    private IDatabase Database => _redis.GetDatabase();

    /// <summary>Stores <paramref name="terms"/> as the plan's next version (creating the plan, or bringing a deleted
    /// one back). Refused, with the currency in force, when the plan is live in another currency: a customer has one
    /// currency, so a plan customers are on cannot change its own (make a new plan and assign it instead).</summary>
    public async Task<PlanPutResult> PutAsync(PlanVersion terms)
    {
        var json = JsonSerializer.Serialize(PlanDocument.From(terms, withIdentity: false), PlanJsonContext.Default.PlanDocument);
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(
            PutScript, [_keys.Plan(terms.PlanId), _keys.PlanVersions(terms.PlanId)], [json, terms.Currency]).ConfigureAwait(false))!;
        var version = (int)result[0];
        if (version != 0)
        {
            // After the put, so a delete racing with it either sees the plan live again (and lists it back) or
            // removes it before this adds it (see DeleteAsync).
            await Database.SortedSetAddAsync(_keys.PlanIndex, terms.PlanId, 0).ConfigureAwait(false);
        }

        return version == 0
            ? new PlanPutResult(null, (string)result[1]!)
            : new PlanPutResult(terms with { Version = version, CreatedAtMs = (long)result[1] }, null);
    }

    /// <summary>The plan's current version; null when it never existed or was deleted.</summary>
    public async Task<PlanVersion?> CurrentAsync(string planId)
    {
        var state = await Database.HashGetAsync(_keys.Plan(planId), ["current", "deleted"]).ConfigureAwait(false);
        if (state[0].IsNull || state[1] == "1")
        {
            return null;
        }

        var current = (string)state[0]!;
        var version = await Database.HashGetAsync(_keys.PlanVersions(planId), [current, current + CreatedSuffix]).ConfigureAwait(false);
        return Parse(planId, current, (string?)version[0], (string?)version[1]);
    }

    /// <summary>Every version of a live plan, oldest first; null when it never existed or was deleted.</summary>
    public async Task<IReadOnlyList<PlanVersion>?> VersionsAsync(string planId)
    {
        var db = Database;
        var state = db.HashGetAsync(_keys.Plan(planId), ["current", "deleted"]);
        var all = db.HashGetAllAsync(_keys.PlanVersions(planId));
        var fields = await state.ConfigureAwait(false);
        if (fields[0].IsNull || fields[1] == "1")
        {
            return null;
        }

        var history = ParseHistory(planId, await all.ConfigureAwait(false), known: null);
        return [.. history.Select(h => h.Version)];
    }

    /// <summary>Marks the plan deleted and takes it off the plan list; its versions stay. False when there was no live
    /// plan.</summary>
    public async Task<bool> DeleteAsync(string planId)
    {
        var db = Database;
        var deleted = (int)await db.ScriptEvaluateAsync(DeleteScript, [_keys.Plan(planId), _keys.PlanVersions(planId)]).ConfigureAwait(false) == 1;
        if (!deleted)
        {
            return false;
        }

        // A put in between made it live again: it stays listed (the put's own add may have come before this remove).
        await db.SortedSetRemoveAsync(_keys.PlanIndex, planId).ConfigureAwait(false);
        if (await IsLiveAsync(db, planId).ConfigureAwait(false))
        {
            await db.SortedSetAddAsync(_keys.PlanIndex, planId, 0).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>The current version of every live plan, by plan id (ordinal): the plan list, one read per listed plan,
    /// issued together. A plan listed but deleted meanwhile is left out.</summary>
    public async Task<IReadOnlyList<PlanVersion>> ListCurrentAsync()
    {
        var ids = await Database.SortedSetRangeByRankAsync(_keys.PlanIndex).ConfigureAwait(false);
        var reads = ids.Select(id => CurrentAsync((string)id!)).ToArray();
        var plans = new List<PlanVersion>(reads.Length);
        foreach (var read in reads)
        {
            if (await read.ConfigureAwait(false) is { } plan)
            {
                plans.Add(plan);
            }
        }

        plans.Sort((a, b) => string.CompareOrdinal(a.PlanId, b.PlanId));
        return plans;
    }

    /// <summary>
    /// Lists the live plans that are not on the plan list: all of them the first time an instance of this version
    /// starts on data of an earlier one, afterwards those an instance of the earlier version put during a rolling
    /// upgrade. Plans have no set of their own to walk, so this scans every primary's keys for the plans' state hashes
    /// (<c>SCAN … MATCH</c>, a page at a time: one pass over the keyspace per start, in the background). Returns how
    /// many it added.
    /// </summary>
    public async Task<long> BackfillIndexAsync()
    {
        const int PageSize = 1000;
        var db = Database;
        var (head, tail) = PlanKeyParts();
        var pattern = GlobEscape(head) + "*" + GlobEscape(tail);
        var planIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var server in _redis.GetServers())
        {
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            await foreach (var key in server.KeysAsync(db.Database, pattern, PageSize).ConfigureAwait(false))
            {
                if (PlanIdOf(key.ToString(), head, tail) is { } planId)
                {
                    planIds.Add(planId);
                }
            }
        }

        long added = 0;
        foreach (var planId in planIds)
        {
            if (await IsLiveAsync(db, planId).ConfigureAwait(false) && await db.SortedSetAddAsync(_keys.PlanIndex, planId, 0).ConfigureAwait(false))
            {
                added++;
            }
        }

        return added;
    }

    private async Task<bool> IsLiveAsync(IDatabaseAsync db, string planId)
    {
        var state = await db.HashGetAsync(_keys.Plan(planId), ["current", "deleted"]).ConfigureAwait(false);
        return !state[0].IsNull && state[1] != "1";
    }

    // A plan state hash's name around the plan id: "<prefix>plan:{" and "}".
    private (string Head, string Tail) PlanKeyParts()
    {
        var sample = _keys.Plan("@").ToString();
        var at = sample.LastIndexOf("{@}", StringComparison.Ordinal) + 1;
        return (sample[..at], sample[(at + 1)..]);
    }

    // The plan id out of a state hash's name; null for anything else the pattern caught.
    private static string? PlanIdOf(string key, string head, string tail)
    {
        if (!key.StartsWith(head, StringComparison.Ordinal) || !key.EndsWith(tail, StringComparison.Ordinal) || key.Length <= head.Length + tail.Length)
        {
            return null;
        }

        var id = key[head.Length..^tail.Length];
        return id.Contains('}', StringComparison.Ordinal) ? null : id;
    }

    // Redis's glob syntax: * ? [ ] and the backslash are special; anything else matches itself.
    private static string GlobEscape(string text)
    {
        var escaped = new System.Text.StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '*' or '?' or '[' or ']' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }

    /// <summary>Every version the plan ever had with when each stopped by a delete, oldest first, and Redis's clock
    /// when they were read. Versions in <paramref name="known"/> are reused as they are (versions never change).</summary>
    public async Task<PlanHistory> ReadHistoryAsync(string planId, IReadOnlyDictionary<int, PlanVersion>? known)
    {
        var result = (RedisResult[])(await Database.ScriptEvaluateAsync(ReadHistoryScript, [_keys.PlanVersions(planId)]).ConfigureAwait(false))!;
        var readAtMs = (long)result[0] * 1000 + (long)result[1] / 1000;
        var flat = (RedisResult[])result[2]!;
        var entries = new HashEntry[flat.Length / 2];
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = new HashEntry((string)flat[2 * i]!, (string)flat[(2 * i) + 1]!);
        }

        return new PlanHistory(ParseHistory(planId, entries, known), readAtMs);
    }

    private static List<PlanVersionPeriod> ParseHistory(string planId, HashEntry[] entries, IReadOnlyDictionary<int, PlanVersion>? known)
    {
        var fields = entries.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
        var periods = new List<PlanVersionPeriod>();
        foreach (var (name, json) in fields)
        {
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                continue;
            }

            var version = known is not null && known.TryGetValue(number, out var cached)
                ? cached
                : Parse(planId, name, json, fields.GetValueOrDefault(name + CreatedSuffix));
            long? deletedAtMs = fields.TryGetValue(name + DeletedSuffix, out var deleted) ? ParseMs(planId, deleted) : null;
            periods.Add(new PlanVersionPeriod(version, deletedAtMs));
        }

        periods.Sort((a, b) => a.Version.Version.CompareTo(b.Version.Version));
        return periods;
    }

    private static PlanVersion Parse(string planId, string version, string? json, string? createdAtMs)
    {
        if (json is null || createdAtMs is null)
        {
            throw new InvalidOperationException($"Plan {planId} version {version} is incomplete in Redis.");
        }

        var document = JsonSerializer.Deserialize(json, PlanJsonContext.Default.PlanDocument)
            ?? throw new InvalidOperationException($"Plan {planId} version {version} is not a JSON object in Redis.");
        return document.ToPlanVersion(planId, int.Parse(version, NumberStyles.None, CultureInfo.InvariantCulture), ParseMs(planId, createdAtMs));
    }

    private static long ParseMs(string planId, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : throw new InvalidOperationException($"Plan {planId} has an instant that is not Unix ms in Redis: '{value}'.");
}

/// <summary>The outcome of <see cref="PlanStore.PutAsync"/>: the new version, or the currency the live plan keeps.</summary>
internal sealed record PlanPutResult(PlanVersion? Created, string? CurrencyInForce);

/// <summary>A plan's versions as read at <paramref name="ReadAtMs"/> (Redis's clock): any version made later carries
/// an instant at or after it.</summary>
internal sealed record PlanHistory(IReadOnlyList<PlanVersionPeriod> Versions, long ReadAtMs);

/// <summary>A version, and when a delete ended it (null while it was not ended by one; the next version ends it
/// otherwise).</summary>
internal sealed record PlanVersionPeriod(PlanVersion Version, long? DeletedAtMs);
