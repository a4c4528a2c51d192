using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>Once a second, while the spool holds records and Redis is back, replays them in order.</summary>
internal sealed partial class SpoolReplayService : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly RecordSpool _spool;
    private readonly RecordWriter _writer;
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly ILogger<SpoolReplayService> _logger;

    public SpoolReplayService(RecordSpool spool, RecordWriter writer, IConnectionMultiplexer redis, TimeProvider time, ILogger<SpoolReplayService> logger)
    {
        _spool = spool;
        _writer = writer;
        _redis = redis;
        _time = time;
        _logger = logger;
    }

    /// <summary>One replay round; returns how many records were applied.</summary>
    public async Task<int> ReplayAsync(CancellationToken cancellationToken)
    {
        if (!_spool.HasPending || !_redis.IsConnected)
        {
            return 0;
        }

        try
        {
            // Bounded like any record write, and cut short by the shutdown: an entry whose write did not finish stays
            // in the spool and is replayed again (idempotent) by the next round or the next process.
            var applied = await _spool.ReplayAsync(
                entry => _writer.ReplayAsync(entry).WithinAsync(RecordWriter.RedisWriteLimit, _time, cancellationToken),
                cancellationToken).ConfigureAwait(false);
            if (applied > 0)
            {
                Replayed(_logger, applied, _spool.PendingBytes);
            }

            return applied;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            // Redis went away again, or the disk failed: the records stay spooled and the next round retries.
            ReplayInterrupted(_logger, ex.Message);
            return 0;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A spool left by a previous process (crash, or Redis down at its end) is replayed first thing.
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            do
            {
                await ReplayAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Replayed {Count} spooled records into Redis ({PendingBytes} bytes still pending)")]
    private static partial void Replayed(ILogger logger, int count, long pendingBytes);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Spool replay interrupted, will resume: {Reason}")]
    private static partial void ReplayInterrupted(ILogger logger, string reason);
}
