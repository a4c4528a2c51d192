namespace Proxy.Billing;

/// <summary>The plan versions rating reads: the version of a plan in force at an instant.</summary>
internal interface IPlanVersions
{
    /// <summary>The version of <paramref name="planId"/> in force at <paramref name="atMs"/> (the latest created at or
    /// before it); null when the plan does not exist or had no version yet then. Throws
    /// <see cref="Storage.StorageUnavailableException"/> when it cannot be known (Redis unreachable and not cached).</summary>
    Task<PlanVersion?> InForceAsync(string planId, long atMs);
}
