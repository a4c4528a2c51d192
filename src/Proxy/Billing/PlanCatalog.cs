using System.Collections.Concurrent;
using Proxy.Customers;
using Proxy.Storage;

namespace Proxy.Billing;

/// <summary>
/// The plan version in force at an instant, for rating: the latest version created at or before it, unless a delete
/// ended that version by then. Versions never change and a plan's history is only ever added to, so a history read
/// from Redis at Redis time T answers every instant before T for good; an instant at or after T is asked of Redis
/// again (a version may have been made since). A rated session opened before the last read costs no round trip.
/// When Redis cannot be reached the cached history answers even instants after its read: a version can only be made
/// through Redis, so what it misses is a version made in the moments between that read and the outage (logged).
/// With nothing cached for the plan, it throws <see cref="StorageUnavailableException"/>: the answer is not known.
/// </summary>
internal sealed partial class PlanCatalog : IPlanVersions
{
    private readonly PlanStore _store;
    private readonly ILogger<PlanCatalog> _logger;
    private readonly ConcurrentDictionary<string, PlanHistory> _histories = new(StringComparer.Ordinal);

    public PlanCatalog(PlanStore store, ILogger<PlanCatalog> logger)
    {
        _store = store;
        _logger = logger;
    }

    public async Task<PlanVersion?> InForceAsync(string planId, long atMs)
    {
        // A customer's plan may be a label that no plan id can spell ("Gold tier"): no plan, and no Redis read.
        if (!CustomerIds.IsValid(planId))
        {
            return null;
        }

        _histories.TryGetValue(planId, out var cached);
        if (cached is null || atMs >= cached.ReadAtMs)
        {
            cached = await RefreshAsync(planId, cached, atMs).ConfigureAwait(false);
        }

        return InForce(cached, atMs);
    }

    /// <summary>The version of <paramref name="history"/> in force at <paramref name="atMs"/>.</summary>
    internal static PlanVersion? InForce(PlanHistory history, long atMs)
    {
        PlanVersionPeriod? latest = null;
        foreach (var period in history.Versions)
        {
            // Instants never decrease with the version number; equal instants (puts in the same ms) go to the later one.
            if (period.Version.CreatedAtMs <= atMs && (latest is null || period.Version.Version > latest.Version.Version))
            {
                latest = period;
            }
        }

        return latest is null || latest.DeletedAtMs <= atMs ? null : latest.Version;
    }

    private async Task<PlanHistory> RefreshAsync(string planId, PlanHistory? cached, long atMs)
    {
        PlanHistory read;
        try
        {
            var known = cached?.Versions.ToDictionary(p => p.Version.Version, p => p.Version);
            read = await _store.ReadHistoryAsync(planId, known).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsUnavailable(ex) || StorageFailures.IsRedisFailure(ex))
        {
            if (cached is null)
            {
                throw new StorageUnavailableException($"The versions of plan {planId} cannot be read: Redis is unreachable and they are not cached.", ex);
            }

            ServedFromCache(_logger, planId, atMs, cached.ReadAtMs, ex.Message);
            return cached;
        }

        // Two refreshes may race; keep the later read (a history only grows, so the later one holds the other).
        return _histories.AddOrUpdate(planId, read, (_, existing) => existing.ReadAtMs > read.ReadAtMs ? existing : read);
    }

    [LoggerMessage(EventId = 7100, Level = LogLevel.Warning,
        Message = "Plan {PlanId} rated a session opened at {AtMs} from its versions cached at {ReadAtMs}: Redis is unreachable ({Reason}); a version made between then and the outage would be missed")]
    private static partial void ServedFromCache(ILogger logger, string planId, long atMs, long readAtMs, string reason);
}
