using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Billing;

/// <summary>Runs <see cref="UpstreamKeyRetirement"/> every <see cref="DeepgramOptions.KeyRetirementInterval"/> on the
/// one instance holding its lock (the other instances stand by and take over when it stops renewing it).</summary>
internal sealed class UpstreamKeyRetirementService : BackgroundService
{
    private readonly LockedPeriodicJob _job;
    private readonly UpstreamKeyRetirement _retirement;
    private readonly DeepgramKeysClient _deepgram;
    private readonly ILogger<UpstreamKeyRetirementService> _logger;

    public UpstreamKeyRetirementService(
        LockedPeriodicJobs jobs,
        IOptions<DeepgramOptions> options,
        UpstreamKeyRetirement retirement,
        DeepgramKeysClient deepgram,
        ILogger<UpstreamKeyRetirementService> logger)
    {
        _deepgram = deepgram;
        _job = jobs.UpstreamKeyRetirement(options.Value.KeyRetirementInterval);
        _retirement = retirement;
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        _job.RunAsync(PassAsync, ex => UpstreamKeyLog.PassFailed(_logger, ex), firstPassAtOnce: false, stoppingToken);

    private async Task PassAsync(CancellationToken cancellationToken)
    {
        // An instance that cannot reach Deepgram's keys API leaves the lock to one that can (mid-way through a rolling
        // configuration change, or one started without Deepgram:*).
        if (_deepgram.IsConfigured && await _job.TryHoldLockAsync().ConfigureAwait(false))
        {
            await _retirement.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
