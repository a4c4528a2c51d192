using Proxy.Storage;

namespace Proxy.Customers;

/// <summary>
/// Lists the customers that exist but are not on the customer list (<see cref="RedisKeys.CustomerIndex"/>): all of
/// them the first time an instance of this version starts on data of an earlier one, afterwards those an instance of
/// the earlier version created during a rolling upgrade. Once per start; retried while Redis is unreachable.
/// </summary>
internal sealed class CustomerIndexBackfill : BackgroundService
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(5);

    private readonly CustomerStore _store;
    private readonly RedisConnectionState _connection;
    private readonly TimeProvider _time;
    private readonly ILogger<CustomerIndexBackfill> _logger;

    public CustomerIndexBackfill(CustomerStore store, RedisConnectionState connection, TimeProvider time, ILogger<CustomerIndexBackfill> logger)
    {
        _store = store;
        _connection = connection;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var retry = new PeriodicTimer(RetryInterval, _time);
        do
        {
            if (!_connection.IsConnected)
            {
                continue;
            }

            try
            {
                var added = await _store.BackfillIndexAsync().ConfigureAwait(false);
                CustomerLog.IndexBackfilled(_logger, added);
                return;
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
            {
                CustomerLog.IndexBackfillFailed(_logger, ex);
            }
        }
        while (await retry.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
