using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Sessions;

/// <summary>
/// Graceful drain on SIGTERM. Stopping starts before the web server stops: from then on /readyz answers 503 and new
/// sessions are refused with 503 (so a load balancer moves away), while live sessions get
/// <see cref="SessionControlOptions.DrainTimeout"/> to end by themselves. Those still open are then closed with a
/// SERVER_SHUTDOWN Error and Close 1012, so Deepgram's SDKs reconnect elsewhere, and the drain waits until every
/// session's record is final.
/// </summary>
internal sealed class SessionDrainService : IHostedLifecycleService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Time for a closed session's records to be written: the open record's write (if still pending) and the
    /// final one's, each bounded by <see cref="RecordWriter.RedisWriteLimit"/>, plus the spool's fsync.</summary>
    internal static readonly TimeSpan FinalizeAllowance = (2 * RecordWriter.RedisWriteLimit) + TimeSpan.FromSeconds(2);

    private readonly SessionRegistry _registry;
    private readonly SessionCloser _closer;
    private readonly IOptionsMonitor<SessionControlOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionDrainService> _logger;

    public SessionDrainService(
        SessionRegistry registry,
        SessionCloser closer,
        IOptionsMonitor<SessionControlOptions> options,
        TimeProvider time,
        ILogger<SessionDrainService> logger)
    {
        _registry = registry;
        _closer = closer;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        if (_registry.Count > 0)
        {
            SessionControlLog.Draining(_logger, _registry.Count, options.DrainTimeout);
        }

        await WaitUntilEmptyAsync(options.DrainTimeout, cancellationToken).ConfigureAwait(false);
        var remaining = _registry.Snapshot();
        foreach (var session in remaining)
        {
            _ = _closer.CloseAsync(session, ProxyCloseRequests.Shutdown);
        }

        // Each session ends within the close grace (aborted otherwise) and is then finalized: to Redis, or to the
        // spool once Redis has had its limit (the open record's write first, if it is still pending).
        await WaitUntilEmptyAsync(options.CloseGrace + FinalizeAllowance, cancellationToken).ConfigureAwait(false);
        if (_registry.Count > 0)
        {
            SessionControlLog.DrainIncomplete(_logger, _registry.Count);
        }
        else if (remaining.Count > 0)
        {
            SessionControlLog.Drained(_logger, remaining.Count);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WaitUntilEmptyAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        while (_registry.Count > 0 && _time.GetElapsedTime(start) < limit && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
