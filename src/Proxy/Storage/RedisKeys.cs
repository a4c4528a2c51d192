using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// Every Redis key name, in one place. Keys of one customer carry the <c>{customer}</c> hash tag so the scripts that
/// touch several of them stay in one Redis Cluster slot.
/// </summary>
internal sealed class RedisKeys
{
    private readonly string _prefix;

    public RedisKeys(IOptions<RedisOptions> options)
        : this(options.Value.KeyPrefix)
    {
    }

    public RedisKeys(string prefix)
    {
        _prefix = prefix;
        Customers = prefix + "customers";
        Records = prefix + "records";
        SessionIndex = prefix + "session-index";
        ControlChannel = RedisChannel.Literal(prefix + "control");
        ReaperLock = prefix + "reaper-lock";
    }

    /// <summary>Held by the one instance whose reaper runs (with an expiry, so a dead holder hands it on).</summary>
    public RedisKey ReaperLock { get; }

    /// <summary>Pub/sub channel every instance listens on: settings changes and close orders.</summary>
    public RedisChannel ControlChannel { get; }

    /// <summary>Set of every customer id.</summary>
    public RedisKey Customers { get; }

    /// <summary>Stream of finalized records: the billing feed (at-least-once, dedupe by session_id).</summary>
    public RedisKey Records { get; }

    /// <summary>Hash session_id → customer_id, so a record can be found by its id alone.</summary>
    public RedisKey SessionIndex { get; }

    public RedisKey Customer(string customerId) => $"{_prefix}{{{customerId}}}:customer";

    public RedisKey CustomerKeys(string customerId) => $"{_prefix}{{{customerId}}}:keys";

    public RedisKey Session(string customerId, string sessionId) => $"{_prefix}{{{customerId}}}:session:{sessionId}";

    /// <summary>Sorted set of the customer's session ids scored by client open time (Unix ms).</summary>
    public RedisKey CustomerSessions(string customerId) => $"{_prefix}{{{customerId}}}:sessions";

    /// <summary>Sorted set session_id → lease expiry (Unix ms): the customer's live sessions on all instances.</summary>
    public RedisKey Leases(string customerId) => $"{_prefix}{{{customerId}}}:leases";

    /// <summary>Sorted set session_id → when its final record was written (Redis time, ms), while the records stream
    /// entry of its latest version is not confirmed.</summary>
    public RedisKey UnstreamedRecords(string customerId) => $"{_prefix}{{{customerId}}}:unstreamed";

    public RedisKey Usage(string customerId, DateOnly day) => $"{_prefix}{{{customerId}}}:usage:{day:yyyy-MM-dd}";

    /// <summary>The authentication record of a proxy key, found by the SHA-256 of its secret.</summary>
    public RedisKey KeyByHash(string secretHashHex) => $"{_prefix}keyhash:{secretHashHex}";

    /// <summary>key_id → SHA-256 of the secret, to reach the key's record from its id.</summary>
    public RedisKey Key(string keyId) => $"{_prefix}key:{keyId}";
}
