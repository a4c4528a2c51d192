namespace Proxy.Runtime;

/// <summary>
/// What readiness needs to know about where records go. Storage implements it; <see cref="ProxyReadiness"/> reads it
/// at each question, so the answer is never staler than Redis' own connection state.
/// </summary>
internal interface IRecordStorageStatus
{
    /// <summary>Redis is reachable.</summary>
    bool IsRedisConnected { get; }

    /// <summary>The local spool has reached its size bound and takes no more records.</summary>
    bool IsSpoolFull { get; }

    /// <summary>Under the fail_open policy sessions are admitted while Redis is down (their records go to the spool).</summary>
    bool FailOpen { get; }
}
