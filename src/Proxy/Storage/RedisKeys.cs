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
        CustomerIndex = prefix + "customer-index";
        LiveCustomers = prefix + "live-customers";
        PlanIndex = prefix + "plan-index";
        Instances = prefix + "instances";
        Records = prefix + "records";
        LegacySessionIndex = prefix + "session-index";
        ControlChannel = RedisChannel.Literal(prefix + "control");
        ReaperLock = prefix + "reaper-lock";
        RetentionLock = prefix + "retention-lock";
        LastReconciliation = prefix + "reconcile:last";
        UpstreamKeyRetirements = prefix + "upstream-key-retirements";
        UpstreamKeyRetirementLock = prefix + "upstream-key-retirement-lock";
        ReconcileScheduleLock = prefix + "reconcile:schedule-lock";
        ReconcileScheduledTo = prefix + "reconcile:scheduled-to";
        Audit = prefix + "audit";
    }

    /// <summary>Stream of the admin API's audit log (Admin's AuditLogStore): one entry per change asked, capped at
    /// about <c>Admin:AuditMaxEntries</c> by each append.</summary>
    public RedisKey Audit { get; }

    /// <summary>Set of the customer ids that may have a retiring Deepgram key (<see cref="UpstreamKeyRetiring"/>), so
    /// the retirement job does not walk every customer. A member whose retiring hash is empty is taken off.</summary>
    public RedisKey UpstreamKeyRetirements { get; }

    /// <summary>Held by the one instance whose retirement job deletes retired customer keys at Deepgram.</summary>
    public RedisKey UpstreamKeyRetirementLock { get; }

    /// <summary>Hash Deepgram key id → when it stopped being the customer's key (Unix ms): provisioned keys replaced or
    /// removed, deleted at Deepgram once the customer's sessions that may use them have ended.</summary>
    public RedisKey UpstreamKeyRetiring(string customerId) => $"{_prefix}{{{customerId}}}:upstream-key:retiring";

    /// <summary>Hash Deepgram key id → <c>from_ms:to_ms</c> (to empty while in force): which of the customer's own
    /// Deepgram keys was in force when, for reconciliation by accessor. Bounded (the oldest ended entries go).</summary>
    public RedisKey UpstreamKeyHistory(string customerId) => $"{_prefix}{{{customerId}}}:upstream-key:history";

    /// <summary>Held by the one instance whose reaper runs (with an expiry, so a dead holder hands it on).</summary>
    public RedisKey ReaperLock { get; }

    /// <summary>Held by the one instance whose retention sweep trims indexes and the records stream.</summary>
    public RedisKey RetentionLock { get; }

    /// <summary>String: the JSON report of the last reconciliation over all customers (Billing's ReconciliationStore).</summary>
    public RedisKey LastReconciliation { get; }

    /// <summary>Held by the one instance whose scheduled reconciliation runs (with an expiry, like the reaper's).</summary>
    public RedisKey ReconcileScheduleLock { get; }

    /// <summary>String: Unix ms where the last scheduled reconciliation's window ended, where the next one starts
    /// (Billing's ReconciliationStore); kept, so a restart continues without a gap or an overlap.</summary>
    public RedisKey ReconcileScheduledTo { get; }

    /// <summary>String: the JSON report of the customer's last reconciliation of its own.</summary>
    public RedisKey CustomerLastReconciliation(string customerId) => $"{_prefix}{{{customerId}}}:reconcile:last";

    /// <summary>Pub/sub channel every instance listens on: settings changes and close orders.</summary>
    public RedisChannel ControlChannel { get; }

    /// <summary>Set of every customer id that may hold data: the current customers and the deleted ones, whose
    /// records, usage and invoices stay until their retention (the reaper and the retention sweep walk it).</summary>
    public RedisKey Customers { get; }

    /// <summary>Sorted set of the current customers' ids, all scored 0 so they sort by id: the customer list, paged
    /// with <c>ZRANGE … BYLEX</c>. A deleted customer leaves it (and stays in <see cref="Customers"/>).</summary>
    public RedisKey CustomerIndex { get; }

    /// <summary>Sorted set customer id → an instant (Unix ms, Redis's clock) past the expiry of its latest session lease:
    /// the customers with live sessions, which the live-session list over all customers reads (see
    /// <see cref="LiveCustomerIndex"/>). Entries in the past are dropped by that read.</summary>
    public RedisKey LiveCustomers { get; }

    /// <summary>Sorted set of the live plans' ids, all scored 0 so they sort by id: the plan list. Kept by the plan put
    /// and delete; plans stored before it existed are added at start (Billing's PlanStore).</summary>
    public RedisKey PlanIndex { get; }

    /// <summary>Hash instance id → JSON entry: the registry each instance rewrites every few seconds (readiness, Redis,
    /// live sessions, spool backlog, last seen); entries not written for 10 minutes are dropped by the next read.</summary>
    public RedisKey Instances { get; }

    /// <summary>Stream of finalized records: the billing feed (at-least-once, dedupe by session_id).</summary>
    public RedisKey Records { get; }

    /// <summary>The former single hash session_id → customer_id, which grew forever. Still read for lookups; the
    /// retention sweep moves its entries to the per-day hashes and drops those whose record is gone.</summary>
    public RedisKey LegacySessionIndex { get; }

    /// <summary>Hash session_id → customer_id of the sessions whose UUIDv7 id was made on this UTC day, so a record
    /// can be found by its id alone. The whole key expires after the retention (see <see cref="SessionIndexStore"/>).</summary>
    public RedisKey SessionIndex(DateOnly day) => $"{_prefix}session-index:{day:yyyy-MM-dd}";

    public RedisKey Customer(string customerId) => $"{_prefix}{{{customerId}}}:customer";

    public RedisKey CustomerKeys(string customerId) => $"{_prefix}{{{customerId}}}:keys";

    public RedisKey Session(string customerId, string sessionId) => $"{_prefix}{{{customerId}}}:session:{sessionId}";

    /// <summary>Sorted set of the customer's session ids scored by client open time (Unix ms).</summary>
    public RedisKey CustomerSessions(string customerId) => $"{_prefix}{{{customerId}}}:sessions";

    /// <summary>Sorted set session_id → lease expiry (Unix ms): the customer's live sessions on all instances.</summary>
    public RedisKey Leases(string customerId) => $"{_prefix}{{{customerId}}}:leases";

    /// <summary>Sorted set session_id → lease expiry (Unix ms, Redis's clock): the live sessions on one Deepgram key on
    /// all instances, for <c>Limits:MaxSessionsPerUpstreamKey</c>. Named by the key's fingerprint, never the key; its own
    /// hash tag (a customer id holds no colon, so no customer's tag can be the same).</summary>
    public RedisKey UpstreamKeyLeases(string upstreamKeyFingerprint) => $"{_prefix}{{upstream:{upstreamKeyFingerprint}}}:leases";

    /// <summary>Sorted set session_id → when its final record was written (Redis time, ms), while the records stream
    /// entry of its latest version is not confirmed.</summary>
    public RedisKey UnstreamedRecords(string customerId) => $"{_prefix}{{{customerId}}}:unstreamed";

    public RedisKey Usage(string customerId, DateOnly day) => $"{_prefix}{{{customerId}}}:usage:{day:yyyy-MM-dd}";

    /// <summary>The month's usage: the same fields as the days' (<see cref="Usage"/>), summed over the UTC month of
    /// each session's open, written by the same finalize step (budgets and invoices read one hash, not 31).</summary>
    public RedisKey UsageMonth(string customerId, DateOnly anyDayOfMonth) => $"{_prefix}{{{customerId}}}:usage-month:{anyDayOfMonth:yyyy-MM}";

    /// <summary>Hash session_id → <c>expires_ms:cost_micros:cost_within_lead_micros:key_id</c>: the running cost of the
    /// customer's live sessions opened in that UTC month, as each instance last published it (Billing's
    /// BudgetRunningStore). A session's entry stops counting when it expires or its record is closed.</summary>
    public RedisKey BudgetRunning(string customerId, DateOnly anyDayOfMonth) => $"{_prefix}{{{customerId}}}:budget-running:{anyDayOfMonth:yyyy-MM}";

    /// <summary>Hash of a finalized month's invoice: <c>json</c> (the invoice snapshot as built when it was finalized)
    /// and <c>finalized_at_ms</c> (Redis time). Written once, never changed (see Billing's InvoiceStore).</summary>
    public RedisKey Invoice(string customerId, DateOnly anyDayOfMonth) => $"{_prefix}{{{customerId}}}:invoice:{anyDayOfMonth:yyyy-MM}";

    /// <summary>Hash of a plan's state: <c>current</c> (its latest version number), <c>currency</c>,
    /// <c>last_at_ms</c> (Redis time of its latest version or deletion) and <c>deleted</c>. The plan id is the hash tag,
    /// so its versions' hash is in the same Cluster slot (see <see cref="PlanVersions"/>).</summary>
    public RedisKey Plan(string planId) => $"{_prefix}plan:{{{planId}}}";

    /// <summary>Hash of every version a plan ever had, kept after the plan is deleted (records rated by them name
    /// them): <c>&lt;n&gt;</c> → the version's JSON, <c>&lt;n&gt;:created_at_ms</c>, and <c>&lt;n&gt;:deleted_at_ms</c> when the
    /// plan was deleted while <c>n</c> was current. Only ever added to.</summary>
    public RedisKey PlanVersions(string planId) => $"{_prefix}plan:{{{planId}}}:versions";

    /// <summary>The authentication record of a proxy key, found by the SHA-256 of its secret.</summary>
    public RedisKey KeyByHash(string secretHashHex) => $"{_prefix}keyhash:{secretHashHex}";

    /// <summary>key_id → SHA-256 of the secret, to reach the key's record from its id.</summary>
    public RedisKey Key(string keyId) => $"{_prefix}key:{keyId}";
}
