using Microsoft.Extensions.Options;
using Proxy.Tunnel;
using Proxy.Telemetry;

namespace Proxy.Sessions;

/// <summary>
/// Enforces idle timeouts and maximum durations with one periodic sweep over the live sessions: per frame the copy
/// loops only write a timestamp, and no session owns a timer. A sweep compares each session's last counted activity
/// and age with the policy in force now, warns once before a limit, and closes at it. Its interval is the precision
/// of every forced close. It is also the backstop for a tunnel that moves nothing at all, whatever the policy
/// (<see cref="UpstreamOptions.ActivityTimeout"/>).
/// </summary>
internal sealed class SessionSupervisor : BackgroundService
{
    private readonly SessionRegistry _registry;
    private readonly SessionCloser _closer;
    private readonly IOptionsMonitor<SessionControlOptions> _options;
    private readonly TimeProvider _time;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<SessionSupervisor> _logger;
    private readonly IOptions<UpstreamOptions> _upstream;

    public SessionSupervisor(
        SessionRegistry registry,
        SessionCloser closer,
        IOptionsMonitor<SessionControlOptions> options,
        TimeProvider time,
        ProxyMetrics metrics,
        IOptions<UpstreamOptions> upstream,
        ILogger<SessionSupervisor> logger)
    {
        // Read at the first sweep: reading it here, as the host builds its services, would fail on an invalid
        // setting before the start-up validation can report every invalid setting at once.
        _upstream = upstream;
        _registry = registry;
        _closer = closer;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>One pass over the live sessions; the periodic loop calls it, tests call it with a fake clock.</summary>
    public void Sweep()
    {
        var now = _time.GetTimestamp();
        foreach (var session in _registry.Snapshot())
        {
            if (!session.UpstreamOpened || session.ProxyClose is not null || session.TunnelEnded)
            {
                continue;
            }

            var policy = session.Policy;
            if (CheckMaxDuration(session, policy, now))
            {
                continue;
            }

            if (!CheckIdle(session, policy, now))
            {
                CheckSilence(session, now);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.CurrentValue.SweepInterval, _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                Sweep();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                SessionControlLog.SweepFailed(_logger, ex);
            }
        }
    }

    private bool CheckMaxDuration(AgentSession session, SessionPolicy policy, long now)
    {
        if (policy.MaxDuration <= TimeSpan.Zero)
        {
            return false;
        }

        var age = _time.GetElapsedTime(session.UpstreamOpenedTimestamp, now);
        if (age >= policy.MaxDuration)
        {
            _ = _closer.CloseAsync(session, ProxyCloseRequests.MaxDuration(policy.MaxDuration));
            return true;
        }

        if (policy.MaxDurationWarningLead > TimeSpan.Zero && age >= policy.MaxDuration - policy.MaxDurationWarningLead && session.TryClaimMaxDurationWarning())
        {
            Warn(session, AgentControlMessages.MaxDurationWarning,
                $"The session reaches its maximum duration of {ProxyCloseRequests.Describe(policy.MaxDuration)} in {ProxyCloseRequests.Describe(policy.MaxDuration - age)} and will then be closed.");
        }

        return false;
    }

    private bool CheckIdle(AgentSession session, SessionPolicy policy, long now)
    {
        if (policy.IdleTimeout <= TimeSpan.Zero)
        {
            return false;
        }

        var lastActivity = policy.LastActivity(session.Activity);
        var idle = _time.GetElapsedTime(lastActivity, now);
        if (idle >= policy.IdleTimeout)
        {
            _ = _closer.CloseAsync(session, ProxyCloseRequests.IdleTimeout(policy.IdleTimeout));
            return true;
        }

        // One warning per idle period: activity after it starts a new period, and the warning may come again.
        if (policy.IdleWarningLead > TimeSpan.Zero && idle >= policy.IdleTimeout - policy.IdleWarningLead && session.TryClaimIdleWarning(lastActivity))
        {
            _metrics.IdleWarningSent();
            Warn(session, AgentControlMessages.IdleWarning,
                $"No activity for {ProxyCloseRequests.Describe(idle)}: the session will be closed in {ProxyCloseRequests.Describe(policy.IdleTimeout - idle)} unless it is used.");
        }

        return false;
    }

    /// <summary>Not a frame either way for the activity timeout, whatever the policy says is activity: closed as idle.</summary>
    private void CheckSilence(AgentSession session, long now)
    {
        var activityTimeout = _upstream.Value.ActivityTimeout;
        if (_time.GetElapsedTime(session.Activity.LastAny(), now) >= activityTimeout)
        {
            _ = _closer.CloseAsync(session, ProxyCloseRequests.IdleTimeout(activityTimeout));
        }
    }

    private void Warn(AgentSession session, string code, string description)
    {
        SessionControlLog.Warned(_logger, session.SessionId, code);
        _ = session.SendWarningAsync(code, description);
    }
}
