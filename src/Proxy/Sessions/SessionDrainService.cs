using Microsoft.Extensions.Options;

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

        // Each session ends within the close grace (aborted otherwise) and is then finalized; allow for both.
        await WaitUntilEmptyAsync(options.CloseGrace + TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
        if (remaining.Count > 0)
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
