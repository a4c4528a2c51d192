using Microsoft.Extensions.Options;

namespace Proxy.Storage;

/// <summary>
/// Keeps Redis from growing forever. Closed records expire by themselves (the finalize script gives them a TTL of
/// <see cref="StorageOptions.RecordRetention"/>); this sweep trims what cannot expire per entry in Redis 7.0: each
/// customer's time-sorted session index, the former single session index hash, and the records stream. One instance
/// at a time (a lock with an expiry in Redis) trims; every instance looks at the stream each pass, so each exports
/// its state. Usage aggregates are never touched.
/// </summary>
internal sealed partial class RetentionSweeper : BackgroundService
{
    private readonly LockedPeriodicJob _job;
    private readonly SessionIndexTrimmer _indexes;
    private readonly LegacySessionIndexDrain _legacyIndex;
    private readonly RecordStreamTrimmer _stream;
    private readonly IOptions<StorageOptions> _options;
    private readonly TimeProvider _time;
    private readonly StorageMetrics _metrics;
    private readonly ILogger<RetentionSweeper> _logger;

    public RetentionSweeper(
        LockedPeriodicJobs jobs,
        SessionIndexTrimmer indexes,
        LegacySessionIndexDrain legacyIndex,
        RecordStreamTrimmer stream,
        IOptions<StorageOptions> options,
        TimeProvider time,
        StorageMetrics metrics,
        ILogger<RetentionSweeper> logger)
    {
        _job = jobs.RetentionSweep;
        _indexes = indexes;
        _legacyIndex = legacyIndex;
        _stream = stream;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>One pass: trims if this instance holds the retention lock, and looks at the stream either way.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var options = _options.Value;
        var held = await _job.TryHoldLockAsync().ConfigureAwait(false);
        try
        {
            if (held)
            {
                var cutoffMs = (_time.GetUtcNow() - options.RecordRetention).ToUnixTimeMilliseconds();
                var trimmed = await _indexes.TrimAsync(cutoffMs, cancellationToken).ConfigureAwait(false);
                var (moved, dropped) = await _legacyIndex.DrainAsync(cancellationToken).ConfigureAwait(false);
                if (trimmed.Removed > 0 || moved > 0 || dropped > 0)
                {
                    IndexesTrimmed(_logger, trimmed.Removed, trimmed.RecordsDeleted, trimmed.Kept, moved, dropped);
                }
            }

            var stream = await _stream.RunAsync(trim: held).ConfigureAwait(false);
            _metrics.StreamObserved(stream);
            if (!held)
            {
                return;
            }

            _metrics.StreamTrimmed(stream.TrimmedDelivered, stream.TrimmedByCap, stream.TrimmedUnread);
            if (stream.TrimmedUnread > 0)
            {
                UnreadEntriesTrimmed(_logger, stream.TrimmedUnread, options.StreamMaxLength, stream.Groups);
            }
            else if (stream.TrimmedByCap > 0)
            {
                CapTrimmedWithoutGroups(_logger, stream.TrimmedByCap, options.StreamMaxLength);
            }
        }
        catch (Exception ex) when (held && ex is not (OperationCanceledException or OutOfMemoryException))
        {
            _metrics.SweepRan(ok: false);
            throw;
        }

        _metrics.SweepRan(ok: true);
    }

    // A first pass right away: the stream gauges exist from the start, and an instance started after a long stop
    // catches up without waiting a whole interval.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _job.RunAsync(SweepAsync, ex => SweepFailed(_logger, ex.Message), firstPassAtOnce: true, stoppingToken);

    [LoggerMessage(EventId = 4200, Level = LogLevel.Information, Message = "Retention sweep: {Removed} session index entries past retention removed ({RecordsDeleted} records without a TTL deleted with them, {Kept} kept until their record expires); old session index: {Moved} entries moved to day hashes, {Dropped} dropped")]
    private static partial void IndexesTrimmed(ILogger logger, long removed, long recordsDeleted, long kept, long moved, long dropped);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Warning, Message = "Records stream over Storage:StreamMaxLength ({MaxLength}): trimmed {Unread} entries that at least one of its {Groups} consumer groups had not been delivered or had not acknowledged; those records are still in Redis until their retention (admin API session list)")]
    private static partial void UnreadEntriesTrimmed(ILogger logger, long unread, long maxLength, int groups);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Information, Message = "Records stream over Storage:StreamMaxLength ({MaxLength}) and read by no consumer group: trimmed its {Trimmed} oldest entries")]
    private static partial void CapTrimmedWithoutGroups(ILogger logger, long trimmed, long maxLength);

    [LoggerMessage(EventId = 4203, Level = LogLevel.Warning, Message = "Retention sweep failed, next one in a moment: {Reason}")]
    private static partial void SweepFailed(ILogger logger, string reason);
}
