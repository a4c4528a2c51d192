using System.Globalization;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Customers;

/// <summary>What <see cref="UpstreamKeyStore.SwitchAsync"/> found.</summary>
internal enum UpstreamKeySwitchOutcome
{
    Switched,

    /// <summary>No such customer.</summary>
    NotFound,

    /// <summary>The customer's key was not the one expected: another call changed it first, and wins.</summary>
    Changed,
}

/// <summary>
/// Changes a customer's Deepgram key in one atomic step: the ciphertext, where it came from, its Deepgram key id and
/// since when, and – when the key it replaces was provisioned by the gateway – that key's entry among the retiring
/// keys (deleted at Deepgram once its sessions have ended, by Billing's retirement job) and the end of its entry in the
/// key history (reconciliation by accessor). Everything but the set of customers with retiring keys is in the
/// customer's slot.
/// </summary>
internal sealed class UpstreamKeyStore
{
    public const string CiphertextField = "upstream_key";
    public const string SourceField = "upstream_key_source";
    public const string DeepgramKeyIdField = "upstream_key_id";
    public const string SinceField = "upstream_key_since_ms";

    /// <summary><see cref="SwitchAsync"/>'s expectation that the customer has no key.</summary>
    public const string ExpectNone = "";

    private const int MaxHistoryEntries = 100;

    // KEYS: customer hash, retiring hash, history hash. ARGV: expected ciphertext ('*' any, '' none), new ciphertext
    // ('' clears), new source, new Deepgram key id ('' none), now ms, history cap.
    // Returns {outcome, Deepgram key id retired or ''}.
    private const string SwitchScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found', ''} end
        local current = redis.call('HGET', KEYS[1], 'upstream_key') or ''
        if ARGV[1] ~= '*' and current ~= ARGV[1] then return {'changed', ''} end
        local oldId = redis.call('HGET', KEYS[1], 'upstream_key_id')
        local retired = ''
        if oldId and oldId ~= ARGV[4] then
          local entry = redis.call('HGET', KEYS[3], oldId)
          if entry then redis.call('HSET', KEYS[3], oldId, string.match(entry, '^[^:]*') .. ':' .. ARGV[5]) end
          if redis.call('HGET', KEYS[1], 'upstream_key_source') == 'provisioned' then
            redis.call('HSET', KEYS[2], oldId, ARGV[5])
            retired = oldId
          end
        end
        if ARGV[2] == '' then
          redis.call('HDEL', KEYS[1], 'upstream_key', 'upstream_key_source', 'upstream_key_id', 'upstream_key_since_ms')
        else
          redis.call('HSET', KEYS[1], 'upstream_key', ARGV[2], 'upstream_key_source', ARGV[3], 'upstream_key_since_ms', ARGV[5])
          if ARGV[4] == '' then
            redis.call('HDEL', KEYS[1], 'upstream_key_id')
          else
            redis.call('HSET', KEYS[1], 'upstream_key_id', ARGV[4])
            redis.call('HSET', KEYS[3], ARGV[4], ARGV[5] .. ':')
          end
        end
        local cap = tonumber(ARGV[6])
        while redis.call('HLEN', KEYS[3]) > cap do
          local all = redis.call('HGETALL', KEYS[3])
          local oldest, oldestTo = nil, nil
          for i = 1, #all, 2 do
            local to = tonumber(string.match(all[i + 1], ':(%d+)$'))
            if to and (not oldestTo or to < oldestTo) then oldest, oldestTo = all[i], to end
          end
          if not oldest then break end
          redis.call('HDEL', KEYS[3], oldest)
        end
        return {'switched', retired}
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;

    public UpstreamKeyStore(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider time)
    {
        _redis = redis;
        _keys = keys;
        _time = time;
    }

    private IDatabase Database => _redis.GetDatabase();

    /// <summary>
    /// Makes <paramref name="ciphertext"/> (null: none) the customer's key, from <paramref name="source"/>, with its
    /// Deepgram key id when known, provided the current ciphertext is <paramref name="expectedCiphertext"/> (null: any;
    /// <see cref="ExpectNone"/>: none). A provisioned key it replaces is queued for deletion at Deepgram and named in
    /// the result.
    /// </summary>
    public async Task<(UpstreamKeySwitchOutcome Outcome, string? RetiredDeepgramKeyId)> SwitchAsync(
        string customerId, string? expectedCiphertext, string? ciphertext, string? source, string? deepgramKeyId)
    {
        var db = Database;

        // Listed before the switch can retire anything: the job takes off customers with nothing retiring, never one
        // whose retiring entry it could miss.
        await db.SetAddAsync(_keys.UpstreamKeyRetirements, customerId).ConfigureAwait(false);
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(
            SwitchScript,
            [_keys.Customer(customerId), _keys.UpstreamKeyRetiring(customerId), _keys.UpstreamKeyHistory(customerId)],
            [expectedCiphertext ?? "*", ciphertext ?? string.Empty, source ?? string.Empty, deepgramKeyId ?? string.Empty, NowMs(), MaxHistoryEntries]).ConfigureAwait(false))!;
        var outcome = (string)result[0]! switch
        {
            "switched" => UpstreamKeySwitchOutcome.Switched,
            "changed" => UpstreamKeySwitchOutcome.Changed,
            _ => UpstreamKeySwitchOutcome.NotFound,
        };
        var retired = (string?)result[1];
        return (outcome, string.IsNullOrEmpty(retired) ? null : retired);
    }

    /// <summary>Queues a key the gateway created but could not store (or stored for a customer since deleted) for
    /// deletion at Deepgram, as if it had been retired at <paramref name="retiredAtMs"/>.</summary>
    public async Task RetireAsync(string customerId, string deepgramKeyId, long retiredAtMs)
    {
        var db = Database;
        await db.SetAddAsync(_keys.UpstreamKeyRetirements, customerId).ConfigureAwait(false);
        await db.HashSetAsync(_keys.UpstreamKeyRetiring(customerId), deepgramKeyId, retiredAtMs).ConfigureAwait(false);
    }

    /// <summary>The customers that may have retiring keys.</summary>
    public async Task<IReadOnlyList<string>> CustomersWithRetiringKeysAsync()
    {
        var ids = await Database.SetMembersAsync(_keys.UpstreamKeyRetirements).ConfigureAwait(false);
        return [.. ids.Select(id => (string)id!)];
    }

    public async Task<IReadOnlyList<RetiringDeepgramKey>> RetiringAsync(string customerId)
    {
        var entries = await Database.HashGetAllAsync(_keys.UpstreamKeyRetiring(customerId)).ConfigureAwait(false);
        return [.. entries.Select(e => new RetiringDeepgramKey(e.Name!, ParseLong(e.Value) ?? 0))];
    }

    /// <summary>The key is gone at Deepgram: it stops retiring, and the customer leaves the set when nothing else is.</summary>
    public async Task ForgetRetiredAsync(string customerId, string deepgramKeyId)
    {
        var db = Database;
        await db.HashDeleteAsync(_keys.UpstreamKeyRetiring(customerId), deepgramKeyId).ConfigureAwait(false);
        await ForgetCustomerIfDoneAsync(customerId).ConfigureAwait(false);
    }

    /// <summary>Takes the customer off the set of customers with retiring keys when it has none. The check and the
    /// removal touch two slots, so a retirement queued in between (listed first, see <see cref="SwitchAsync"/>) is
    /// caught by looking again and listing it back.</summary>
    public async Task ForgetCustomerIfDoneAsync(string customerId)
    {
        var db = Database;
        var retiring = _keys.UpstreamKeyRetiring(customerId);
        if (await db.HashLengthAsync(retiring).ConfigureAwait(false) > 0)
        {
            return;
        }

        await db.SetRemoveAsync(_keys.UpstreamKeyRetirements, customerId).ConfigureAwait(false);
        if (await db.HashLengthAsync(retiring).ConfigureAwait(false) > 0)
        {
            await db.SetAddAsync(_keys.UpstreamKeyRetirements, customerId).ConfigureAwait(false);
        }
    }

    /// <summary>The customer's own Deepgram keys with the spans they were in force, oldest first.</summary>
    public async Task<IReadOnlyList<DeepgramKeyPeriod>> HistoryAsync(string customerId)
    {
        var entries = await Database.HashGetAllAsync(_keys.UpstreamKeyHistory(customerId)).ConfigureAwait(false);
        var periods = new List<DeepgramKeyPeriod>(entries.Length);
        foreach (var entry in entries)
        {
            var text = (string)entry.Value!;
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0 || ParseLong(text[..colon]) is not { } from)
            {
                continue;
            }

            periods.Add(new DeepgramKeyPeriod(entry.Name!, from, ParseLong(text[(colon + 1)..])));
        }

        periods.Sort((a, b) => a.FromMs.CompareTo(b.FromMs));
        return periods;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static long? ParseLong(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;
}
