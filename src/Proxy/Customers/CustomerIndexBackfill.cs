using Proxy.Storage;

namespace Proxy.Customers;

/// <summary>
/// Lists the customers that exist but are not on the customer list (<see cref="RedisKeys.CustomerIndex"/>): all of
/// them the first time an instance of this version starts on data of an earlier one, afterwards those an instance of
/// the earlier version created during a rolling upgrade.
/// </summary>
internal sealed class CustomerIndexBackfill : IndexBackfillService
{
    private readonly CustomerStore _store;
    private readonly ILogger<CustomerIndexBackfill> _logger;

    public CustomerIndexBackfill(CustomerStore store, RedisConnectionState connection, TimeProvider time, ILogger<CustomerIndexBackfill> logger)
        : base(connection, time)
    {
        _store = store;
        _logger = logger;
    }

    protected override Task<long> BackfillAsync() => _store.BackfillIndexAsync();

    protected override void Backfilled(long added) => CustomerLog.IndexBackfilled(_logger, added);

    protected override void BackfillFailed(Exception exception) => CustomerLog.IndexBackfillFailed(_logger, exception);
}
