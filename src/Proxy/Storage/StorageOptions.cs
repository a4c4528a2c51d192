namespace Proxy.Storage;

/// <summary>Binds the <c>Storage</c> configuration section: what happens when Redis is not there.</summary>
internal sealed class StorageOptions
{
    public const string SectionName = "Storage";

    public const string FailOpen = "fail_open";
    public const string FailClosed = "fail_closed";

    /// <summary>Where records go while Redis cannot take them: an append-only, fsync'd file per instance. Relative
    /// paths are under the binary's folder. One directory per instance: it is replayed by whoever starts on it.</summary>
    public string SpoolDirectory { get; set; } = "spool";

    /// <summary><see cref="SpoolDirectory"/> as an absolute path.</summary>
    public string SpoolPath() => Path.GetFullPath(SpoolDirectory, AppContext.BaseDirectory);

    /// <summary>Past this size the spool raises the alarm and the instance stops admitting new sessions (records of
    /// live sessions are still written: nothing is dropped).</summary>
    public long SpoolMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary><c>fail_open</c>: while Redis is down, keys seen recently are still admitted, with each customer's
    /// concurrency limit enforced per instance. <c>fail_closed</c>: new sessions get 503.</summary>
    public string RedisDownPolicy { get; set; } = FailOpen;

    /// <summary>How long a key checked against Redis may be trusted from memory while Redis is down.</summary>
    public TimeSpan AuthCacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the reaper looks for sessions whose instance died (their lease expired).</summary>
    public TimeSpan ReaperInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>Sessions:LeaseTtl</c>, handed down by the sessions feature (not bound here): a session's open
    /// record takes a lease this long, from Redis time, if it has none yet.</summary>
    public TimeSpan LeaseTtl { get; internal set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a closed record is kept: its hash expires this long after it was finalized, and the retention
    /// sweep drops index entries of sessions opened longer ago. Usage aggregates are kept.</summary>
    public TimeSpan RecordRetention { get; set; } = TimeSpan.FromDays(400);

    /// <summary>Hard cap on the records stream. Entries every consumer group has been delivered are trimmed anyway;
    /// past this length even entries a group has not read yet go (counted, logged, alerted): the records themselves
    /// stay in their hashes, but Redis memory does not grow without bound when a billing consumer stops. Measured
    /// ≈ 450 B per entry, so the default ≈ 450 MB, about a day of records at 10 sessions/s.</summary>
    public long StreamMaxLength { get; set; } = 1_000_000;

    /// <summary>How often the retention sweep runs (one instance at a time): index trimming and stream trimming.</summary>
    public TimeSpan RetentionSweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a final record waits for a replica of its Redis master to confirm it (<c>WAIT 1</c>) before
    /// it counts as not yet written and goes to the spool (replayed until a replica has it). Replication is
    /// asynchronous: without this a master that dies right after a final record can take it with it. Skipped where
    /// the master has no replica; 0 turns it off.</summary>
    public TimeSpan ReplicaAckTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    public bool IsFailOpen => RedisDownPolicy == FailOpen;
}
