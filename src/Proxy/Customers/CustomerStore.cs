using System.Collections.Concurrent;
using System.Globalization;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Customers;

/// <summary>Customers, their proxy keys and their encrypted Deepgram keys, in Redis.</summary>
internal sealed class CustomerStore
{
    // Creates the customer hash when missing and applies the given field updates, atomically.
    // KEYS: customer hash. ARGV: customer id, created_at_ms, then field/value pairs. Returns 1 when created.
    private const string UpsertScript = """
        local created = redis.call('HSETNX', KEYS[1], 'customer_id', ARGV[1])
        if created == 1 then redis.call('HSET', KEYS[1], 'created_at_ms', ARGV[2]) end
        if #ARGV > 2 then redis.call('HSET', KEYS[1], unpack(ARGV, 3)) end
        return created
        """;

    private const string UpstreamKeyField = UpstreamKeyStore.CiphertextField;

    // KEYS: customer hash. ARGV: the ciphertext expected, its replacement. Returns 1 when replaced, 0 when the field
    // holds something else (a PUT or DELETE got there first, and wins).
    private const string ReplaceUpstreamKeyScript = """
        if redis.call('HGET', KEYS[1], 'upstream_key') ~= ARGV[1] then return 0 end
        redis.call('HSET', KEYS[1], 'upstream_key', ARGV[2])
        return 1
        """;

    // Set on a key revoked with close_sessions=false: the heartbeat's recheck leaves its live sessions alone.
    private const string RevokedKeepsSessionsField = "revoked_keeps_sessions";
    private const string MonthlyBudgetField = "monthly_budget_micros";

    // A key id never changes the secret hash it points to: the heartbeat's key rechecks reach a key's record in one
    // read instead of two. Bounded: cleared wholesale if it ever grows past what live sessions need.
    private const int MaxCachedKeyHashes = 10_000;
    private readonly ConcurrentDictionary<string, string> _hashByKeyId = new(StringComparer.Ordinal);

    // KEYS: customer hash. ARGV: the settings' field prefix, then field/value pairs to set. Clears every settings
    // field first (also one a retired setting left). Atomic, so a live session reloading the settings never sees half
    // of a change.
    private const string ReplaceSettingsScript = """
        local prefix = ARGV[1]
        for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
            if string.sub(field, 1, #prefix) == prefix then redis.call('HDEL', KEYS[1], field) end
        end
        if #ARGV > 1 then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end
        return 1
        """;

    // KEYS: customer hash, the customer's key set, its retiring Deepgram keys. ARGV: now ms. Deletes the first two
    // when the customer is disabled, and queues a Deepgram key the gateway provisioned for it for deletion at Deepgram.
    // Returns {"deleted", key ids…}, {"enabled"} or {"not_found"}: the check and the deletion are one step, so a PUT
    // that enables the customer meanwhile is either before it (refused) or after it (a new customer).
    private const string DeleteScript = """
        local disabled = redis.call('HGET', KEYS[1], 'disabled')
        if not disabled and redis.call('EXISTS', KEYS[1]) == 0 then return {'not_found'} end
        if disabled ~= '1' then return {'enabled'} end
        local deepgramKeyId = redis.call('HGET', KEYS[1], 'upstream_key_id')
        if deepgramKeyId and redis.call('HGET', KEYS[1], 'upstream_key_source') == 'provisioned' then
          redis.call('HSET', KEYS[3], deepgramKeyId, ARGV[1])
        end
        local keys = redis.call('SMEMBERS', KEYS[2])
        redis.call('DEL', KEYS[1], KEYS[2])
        table.insert(keys, 1, 'deleted')
        return keys
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;

    public CustomerStore(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider time)
    {
        _redis = redis;
        _keys = keys;
        _time = time;
    }

    private IDatabase Database => _redis.GetDatabase();

    public async Task<(Customer Customer, bool Created)> UpsertAsync(string customerId, string? name, string? plan, bool? disabled)
    {
        var args = new List<RedisValue> { customerId, NowMs() };
        AddPair(args, "name", name);
        AddPair(args, "plan", plan);
        if (disabled is { } flag)
        {
            AddPair(args, "disabled", flag ? "1" : "0");
        }

        var db = Database;
        var created = (int)await db.ScriptEvaluateAsync(UpsertScript, [_keys.Customer(customerId)], [.. args]).ConfigureAwait(false);

        // Listed only once its hash exists: a deletion takes the id off the list before it deletes the hash, so a
        // customer re-created meanwhile is listed again by this write.
        await Task.WhenAll(
            db.SetAddAsync(_keys.Customers, customerId),
            db.SortedSetAddAsync(_keys.CustomerIndex, customerId, 0)).ConfigureAwait(false);
        var customer = await GetAsync(customerId).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Customer {customerId} vanished right after it was written.");
        return (customer, created == 1);
    }

    public async Task<Customer?> GetAsync(string customerId)
    {
        var (customer, _) = await GetWithUpstreamKeyAsync(customerId).ConfigureAwait(false);
        return customer;
    }

    /// <summary>The customer and the ciphertext of its Deepgram key (null when none is set).</summary>
    public async Task<(Customer? Customer, string? ProtectedUpstreamKey)> GetWithUpstreamKeyAsync(string customerId)
    {
        var hash = await Database.HashGetAllAsync(_keys.Customer(customerId)).ConfigureAwait(false);
        if (hash.Length == 0)
        {
            return (null, null);
        }

        var fields = hash.ToStringDictionary();
        fields.TryGetValue(UpstreamKeyField, out var upstreamKey);
        var customer = new Customer
        {
            CustomerId = customerId,
            Name = fields.GetValueOrDefault("name"),
            Plan = fields.GetValueOrDefault("plan"),
            Disabled = fields.GetValueOrDefault("disabled") == "1",
            CreatedAtMs = ParseLong(fields.GetValueOrDefault("created_at_ms")) ?? 0,
            HasUpstreamKey = !string.IsNullOrEmpty(upstreamKey),
            UpstreamKeySource = string.IsNullOrEmpty(upstreamKey) ? null : fields.GetValueOrDefault(UpstreamKeyStore.SourceField) ?? UpstreamKeySources.Set,
            DeepgramKeyId = string.IsNullOrEmpty(upstreamKey) ? null : fields.GetValueOrDefault(UpstreamKeyStore.DeepgramKeyIdField),
            UpstreamKeySinceMs = string.IsNullOrEmpty(upstreamKey) ? null : ParseLong(fields.GetValueOrDefault(UpstreamKeyStore.SinceField)),
            Settings = CustomerSettings.FromHash(fields),
        };
        return (customer, string.IsNullOrEmpty(upstreamKey) ? null : upstreamKey);
    }

    public async Task<IReadOnlyList<Customer>> ListAsync()
    {
        var ids = await ListIdsAsync().ConfigureAwait(false);
        var reads = ids.Select(GetAsync).ToArray();
        var customers = new List<Customer>(reads.Length);
        foreach (var read in reads)
        {
            if (await read.ConfigureAwait(false) is { } customer)
            {
                customers.Add(customer);
            }
        }

        customers.Sort((a, b) => string.CompareOrdinal(a.CustomerId, b.CustomerId));
        return customers;
    }

    /// <summary>One page of the customer list, by id (ordinal): the customers after <paramref name="afterCustomerId"/>
    /// (from the first when null), at most <paramref name="limit"/>, and the id to continue after, null when no more
    /// follow. Reads the index and the page's customers only, however many customers there are.</summary>
    public async Task<(IReadOnlyList<Customer> Customers, string? ContinueAfter)> ListPageAsync(string? afterCustomerId, int limit)
    {
        var ids = await Database.SortedSetRangeByValueAsync(
            _keys.CustomerIndex,
            min: afterCustomerId ?? default(RedisValue),
            max: default,
            exclude: afterCustomerId is null ? Exclude.None : Exclude.Start,
            order: Order.Ascending,
            skip: 0,
            take: limit + 1).ConfigureAwait(false);
        var pageIds = ids.Take(limit).Select(id => (string)id!).ToArray();
        var reads = pageIds.Select(GetAsync).ToArray();
        var customers = new List<Customer>(reads.Length);
        foreach (var read in reads)
        {
            // An id whose hash is gone (a deletion that raced the start-up backfill) is skipped, not shown empty.
            if (await read.ConfigureAwait(false) is { } customer)
            {
                customers.Add(customer);
            }
        }

        return (customers, ids.Length > limit ? pageIds[^1] : null);
    }

    /// <summary>Adds to the customer list every customer that exists but is not listed: those written before the
    /// list existed (or by an instance of an earlier version, which only knew the set). Idempotent; returns how many
    /// were added.</summary>
    public async Task<long> BackfillIndexAsync()
    {
        const int Chunk = 1000;
        var db = Database;
        var ids = await db.SetMembersAsync(_keys.Customers).ConfigureAwait(false);
        long added = 0;
        foreach (var chunk in ids.Chunk(Chunk))
        {
            var exists = chunk.Select(id => db.KeyExistsAsync(_keys.Customer(id!))).ToArray();
            var listed = new List<SortedSetEntry>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                // A deleted customer stays in the set (its records do) but not on the list.
                if (await exists[i].ConfigureAwait(false))
                {
                    listed.Add(new SortedSetEntry(chunk[i], 0));
                }
            }

            if (listed.Count > 0)
            {
                added += await db.SortedSetAddAsync(_keys.CustomerIndex, [.. listed]).ConfigureAwait(false);
            }
        }

        return added;
    }

    /// <summary>Deletes a disabled customer: its hash (name, plan, settings, budgets, upstream key) and its key list
    /// go, and it leaves the customer list; its records, usage and invoices stay, and so does its id in the set of
    /// customers that hold data. Returns the ids of the keys it still listed (for the caller to revoke).</summary>
    public async Task<(CustomerDeletionOutcome Outcome, IReadOnlyList<string> KeyIds)> DeleteAsync(string customerId)
    {
        var db = Database;

        // Off the list first: a PUT that re-creates the customer after the script below lists it again. Among the
        // customers with retiring keys before it, as the key switch does (UpstreamKeyStore).
        await db.SortedSetRemoveAsync(_keys.CustomerIndex, customerId).ConfigureAwait(false);
        await db.SetAddAsync(_keys.UpstreamKeyRetirements, customerId).ConfigureAwait(false);
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(
            DeleteScript,
            [_keys.Customer(customerId), _keys.CustomerKeys(customerId), _keys.UpstreamKeyRetiring(customerId)],
            [NowMs()]).ConfigureAwait(false))!;
        var outcome = (string)result[0]! switch
        {
            "deleted" => CustomerDeletionOutcome.Deleted,
            "enabled" => CustomerDeletionOutcome.Enabled,
            _ => CustomerDeletionOutcome.NotFound,
        };
        if (outcome == CustomerDeletionOutcome.Enabled)
        {
            // Enabled again meanwhile: it stays, listed.
            await db.SortedSetAddAsync(_keys.CustomerIndex, customerId, 0).ConfigureAwait(false);
        }

        return (outcome, outcome == CustomerDeletionOutcome.Deleted ? [.. result.Skip(1).Select(id => (string)id!)] : []);
    }

    /// <summary>Lets a key's records (its authentication hash and id) expire after <paramref name="after"/>: a deleted
    /// customer's revoked keys answer "revoked" as long as its session records are kept, then go.</summary>
    public async Task ExpireKeyAsync(string keyId, TimeSpan after)
    {
        var db = Database;
        var hashHex = await db.StringGetAsync(_keys.Key(keyId)).ConfigureAwait(false);
        if (hashHex.IsNullOrEmpty)
        {
            return;
        }

        await Task.WhenAll(
            db.KeyExpireAsync(_keys.KeyByHash(hashHex!), after),
            db.KeyExpireAsync(_keys.Key(keyId), after)).ConfigureAwait(false);
    }

    /// <summary>Every customer id that may hold records: the current customers and the deleted ones (whose records
    /// stay until their retention), for the jobs that walk every customer's sessions.</summary>
    public async Task<IReadOnlyList<string>> ListIdsAsync()
    {
        var ids = await Database.SetMembersAsync(_keys.Customers).ConfigureAwait(false);
        return [.. ids.Select(id => (string)id!)];
    }

    /// <summary>Issues a new key. The secret is returned to the caller once and never stored.</summary>
    public async Task<(ProxyKey Key, string Secret)> IssueKeyAsync(string customerId, long? expiresAtMs)
    {
        var secret = ProxyKeySecrets.NewSecret();
        var hashHex = ProxyKeySecrets.HashHex(secret);
        var key = new ProxyKey
        {
            KeyId = ProxyKeySecrets.NewKeyId(),
            CustomerId = customerId,
            Prefix = ProxyKeySecrets.DisplayPrefix(secret),
            CreatedAtMs = NowMs(),
            ExpiresAtMs = expiresAtMs,
        };

        var fields = new List<HashEntry>
        {
            new("key_id", key.KeyId),
            new("customer_id", customerId),
            new("prefix", key.Prefix),
            new("hash", hashHex),
            new("created_at_ms", key.CreatedAtMs),
        };
        if (expiresAtMs is { } expires)
        {
            fields.Add(new HashEntry("expires_at_ms", expires));
        }

        var db = Database;
        await Task.WhenAll(
            db.HashSetAsync(_keys.KeyByHash(hashHex), [.. fields]),
            db.StringSetAsync(_keys.Key(key.KeyId), hashHex),
            db.SetAddAsync(_keys.CustomerKeys(customerId), key.KeyId)).ConfigureAwait(false);
        return (key, secret);
    }

    public async Task<IReadOnlyList<ProxyKey>> ListKeysAsync(string customerId)
    {
        var db = Database;
        var ids = await db.SetMembersAsync(_keys.CustomerKeys(customerId)).ConfigureAwait(false);
        var reads = ids.Select(id => GetKeyAsync(id!)).ToArray();
        var keys = new List<ProxyKey>(reads.Length);
        foreach (var read in reads)
        {
            if (await read.ConfigureAwait(false) is { } key)
            {
                keys.Add(key);
            }
        }

        keys.Sort((a, b) => a.CreatedAtMs != b.CreatedAtMs ? a.CreatedAtMs.CompareTo(b.CreatedAtMs) : string.CompareOrdinal(a.KeyId, b.KeyId));
        return keys;
    }

    public async Task<ProxyKey?> GetKeyAsync(string keyId)
    {
        if (!_hashByKeyId.TryGetValue(keyId, out var hashHex))
        {
            var stored = await Database.StringGetAsync(_keys.Key(keyId)).ConfigureAwait(false);
            if (stored.IsNullOrEmpty)
            {
                return null;
            }

            hashHex = stored!;
            if (_hashByKeyId.Count >= MaxCachedKeyHashes)
            {
                _hashByKeyId.Clear();
            }

            _hashByKeyId[keyId] = hashHex;
        }

        var record = await FindByHashAsync(hashHex).ConfigureAwait(false);
        return record?.Key;
    }

    /// <summary>Revokes a key; revoking twice keeps the first revocation time. With <paramref name="closeSessions"/>
    /// false the key's live sessions are marked to run on (the heartbeat's recheck spares them). Null when the key is
    /// unknown.</summary>
    public async Task<ProxyKey?> RevokeKeyAsync(string keyId, bool closeSessions)
    {
        var db = Database;
        var hashHex = await db.StringGetAsync(_keys.Key(keyId)).ConfigureAwait(false);
        if (hashHex.IsNullOrEmpty)
        {
            return null;
        }

        var keyHash = _keys.KeyByHash(hashHex!);
        var batch = db.CreateBatch();
        var marked = closeSessions
            ? batch.HashDeleteAsync(keyHash, RevokedKeepsSessionsField)
            : batch.HashSetAsync(keyHash, RevokedKeepsSessionsField, "1");
        var revoked = batch.HashSetAsync(keyHash, "revoked_at_ms", NowMs(), When.NotExists);
        batch.Execute();
        await Task.WhenAll(marked, revoked).ConfigureAwait(false);
        return (await FindByHashAsync(hashHex!).ConfigureAwait(false))?.Key;
    }

    /// <summary>Changes a key's expiry and monthly budget; a null change leaves that field as it is, a change to null
    /// (or a budget of 0) removes it. Null when the key is unknown.</summary>
    public async Task<ProxyKey?> UpdateKeyAsync(string keyId, KeyFieldChange expiresAtMs, KeyFieldChange monthlyBudgetMicros)
    {
        var db = Database;
        var hashHex = await db.StringGetAsync(_keys.Key(keyId)).ConfigureAwait(false);
        if (hashHex.IsNullOrEmpty)
        {
            return null;
        }

        var keyHash = _keys.KeyByHash(hashHex!);
        var batch = db.CreateBatch();
        var writes = new List<Task>(2);
        Queue(batch, keyHash, "expires_at_ms", expiresAtMs, writes);
        Queue(batch, keyHash, MonthlyBudgetField, monthlyBudgetMicros, writes);
        batch.Execute();
        await Task.WhenAll(writes).ConfigureAwait(false);
        return (await FindByHashAsync(hashHex!).ConfigureAwait(false))?.Key;

        static void Queue(IBatch batch, RedisKey keyHash, string field, KeyFieldChange change, List<Task> writes)
        {
            if (!change.Changed)
            {
                return;
            }

            writes.Add(change.Value is { } value && value != 0
                ? batch.HashSetAsync(keyHash, field, value)
                : batch.HashDeleteAsync(keyHash, field));
        }
    }

    /// <summary>The key whose secret hashes to <paramref name="hashHex"/>, with the stored hash for the final
    /// constant-time comparison.</summary>
    public async Task<(ProxyKey Key, string StoredHashHex)?> FindByHashAsync(string hashHex)
    {
        var hash = await Database.HashGetAllAsync(_keys.KeyByHash(hashHex)).ConfigureAwait(false);
        if (hash.Length == 0)
        {
            return null;
        }

        var fields = hash.ToStringDictionary();
        var key = new ProxyKey
        {
            KeyId = fields.GetValueOrDefault("key_id") ?? string.Empty,
            CustomerId = fields.GetValueOrDefault("customer_id") ?? string.Empty,
            Prefix = fields.GetValueOrDefault("prefix") ?? string.Empty,
            CreatedAtMs = ParseLong(fields.GetValueOrDefault("created_at_ms")) ?? 0,
            ExpiresAtMs = ParseLong(fields.GetValueOrDefault("expires_at_ms")),
            RevokedAtMs = ParseLong(fields.GetValueOrDefault("revoked_at_ms")),
            MonthlyBudgetMicros = ParseLong(fields.GetValueOrDefault(MonthlyBudgetField)),
            RevokedKeepingSessions = fields.GetValueOrDefault(RevokedKeepsSessionsField) == "1",
        };
        return (key, fields.GetValueOrDefault("hash") ?? string.Empty);
    }

    /// <summary>Replaces all of the customer's settings at once.</summary>
    public Task ReplaceSettingsAsync(string customerId, CustomerSettings settings)
    {
        var args = new List<RedisValue> { CustomerSettings.RedisFieldPrefix };
        foreach (var (name, storedText) in settings.Stored)
        {
            args.Add(CustomerSettings.RedisFieldPrefix + name);
            args.Add(storedText);
        }

        return Database.ScriptEvaluateAsync(ReplaceSettingsScript, [_keys.Customer(customerId)], [.. args]);
    }

    /// <summary>Compare-and-set of the ciphertext: false when it is no longer <paramref name="expected"/>.</summary>
    public async Task<bool> ReplaceUpstreamKeyAsync(string customerId, string expected, string replacement) =>
        (int)await Database.ScriptEvaluateAsync(ReplaceUpstreamKeyScript, [_keys.Customer(customerId)], [expected, replacement])
            .ConfigureAwait(false) == 1;

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static void AddPair(List<RedisValue> args, string field, string? value)
    {
        if (value is not null)
        {
            args.Add(field);
            args.Add(value);
        }
    }

    private static long? ParseLong(string? value) =>
        long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;
}
