using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// The customers that hold a live lease somewhere (<see cref="RedisKeys.LiveCustomers"/>): a sorted set customer id →
/// an instant (Redis's clock) past the expiry of the customer's latest lease. The live-session list over all customers
/// reads it instead of every customer's leases, so a refresh costs O(live customers), not O(customers).
/// <para>
/// It is written with every lease taken or renewed (<see cref="SessionLeaseStore"/>), issued just before the lease
/// script in the same pipelined round trip: on a single Redis the two run in that order on one connection, so a
/// customer is listed before its lease exists; on a Cluster the index lives on another master (a global key, no
/// script can span both) and the two travel at once. The score is that master's clock plus the lease TTL plus
/// <see cref="Slack"/>, which outlasts the lease (its expiry is the customer master's clock plus the TTL) as long as
/// the two masters' clocks differ by less than the slack. A write that fails (the index's master down or failing
/// over, which loses its latest writes) is made again by the owner's next heartbeat renewal, every
/// <c>Sessions:HeartbeatInterval</c>. A session admitted while Redis was down takes its lease, and its entry, at its
/// owner's first heartbeat after the reconnection. During a rolling upgrade, sessions carried by instances of the
/// earlier version (which renew leases without the index) are missing from the list over all customers, still shown
/// with <c>?customer=</c>, until those instances stop; one lease TTL after the last of them stopped, every live
/// lease has been written through this class.
/// </para>
/// </summary>
internal sealed class LiveCustomerIndex
{
    /// <summary>How long an entry outlasts the lease written with it: room for the clocks of two Cluster masters to
    /// differ. A customer stays listed that much longer after its last session, which costs one lease read per
    /// refresh meanwhile (the lease read then finds nothing live).</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    // KEYS: index. ARGV: customer id, ms from now. GT: a shorter lease never shortens a longer one's entry (a new
    // member is added all the same).
    private const string MarkScript = RedisScriptClock.NowMs + """
        redis.call('ZADD', KEYS[1], 'GT', now + tonumber(ARGV[2]), ARGV[1])
        return 1
        """;

    // KEYS: index. Entries in the past are dropped in the same step (ZADD GT re-adds a customer whose lease comes
    // back, and the script is atomic with it), so the set stays the size of the live customers and a read stays
    // O(log n + live).
    private const string LiveScript = RedisScriptClock.NowMs + """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. now)
        return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')
        """;

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;

    public LiveCustomerIndex(IConnectionMultiplexer redis, RedisKeys keys)
    {
        _redis = redis;
        _keys = keys;
    }

    /// <summary>Lists <paramref name="customerId"/> until at least <paramref name="leaseTtl"/> (plus the slack) from
    /// now, on Redis's clock. Issued on <paramref name="db"/> so it can lead a pipelined lease command.</summary>
    public Task MarkAsync(IDatabaseAsync db, string customerId, TimeSpan leaseTtl) =>
        db.ScriptEvaluateAsync(MarkScript, [_keys.LiveCustomers], [customerId, (long)(leaseTtl + Slack).TotalMilliseconds]);

    /// <summary>The customers that may hold a live lease now, by id (ordinal).</summary>
    public async Task<IReadOnlyList<string>> LiveCustomersAsync()
    {
        var ids = (RedisValue[])(await _redis.GetDatabase().ScriptEvaluateAsync(LiveScript, [_keys.LiveCustomers]).ConfigureAwait(false))!;
        var live = ids.Select(id => (string)id!).ToList();
        live.Sort(StringComparer.Ordinal);
        return live;
    }
}
