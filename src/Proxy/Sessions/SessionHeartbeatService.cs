using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Sessions;

/// <summary>
/// Every heartbeat, for each customer with live sessions here: renews their concurrency leases, refreshes their
/// open records (last seen, last activity, traffic so far) and re-reads the customer's settings, which catches any
/// settings change whose pub/sub message this instance missed. One round trip per customer and kind.
/// </summary>
internal sealed class SessionHeartbeatService : BackgroundService
{
    private readonly SessionRegistry _registry;
    private readonly RedisConnectionState _connection;
    private readonly SessionLeaseStore _leases;
    private readonly SessionRecordStore _records;
    private readonly LiveSettingsApplier _settings;
    private readonly IOptionsMonitor<SessionControlOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionHeartbeatService> _logger;

    public SessionHeartbeatService(
        SessionRegistry registry,
        RedisConnectionState connection,
        SessionLeaseStore leases,
        SessionRecordStore records,
        LiveSettingsApplier settings,
        IOptionsMonitor<SessionControlOptions> options,
        TimeProvider time,
        ILogger<SessionHeartbeatService> logger)
    {
        _registry = registry;
        _connection = connection;
        _leases = leases;
        _records = records;
        _settings = settings;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task BeatAsync()
    {
        if (!_connection.IsConnected)
        {
            // Nothing to renew against; the first beat after the reconnect catches up.
            return;
        }

        var options = _options.CurrentValue;
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var now = _time.GetTimestamp();
        var beats = new List<Task>();
        foreach (var group in _registry.Snapshot().Where(s => s.ProxyClose is null && !s.TunnelEnded).GroupBy(s => s.Identity.CustomerId))
        {
            var sessions = group.ToList();
            beats.Add(BeatCustomerAsync(group.Key, sessions, nowMs, now, options.LeaseTtl));
        }

        await Task.WhenAll(beats).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Back from a Redis outage: renew at once, before any reaper can take the leases for a dead instance's.
        _connection.Restored += OnRestored;
        try
        {
            using var timer = new PeriodicTimer(_options.CurrentValue.HeartbeatInterval, _time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await BeatAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _connection.Restored -= OnRestored;
        }
    }

    private void OnRestored() => _ = BeatAsync();

    private async Task BeatCustomerAsync(string customerId, List<AgentSession> sessions, long nowMs, long now, TimeSpan leaseTtl)
    {
        try
        {
            var opened = sessions.Where(s => s.UpstreamOpened).ToList();
            var heartbeats = opened.Select(s =>
            {
                var policy = s.Policy;
                var lastActivity = policy.LastActivity(s.Activity);
                var lastActivityMs = nowMs - (long)_time.GetElapsedTime(lastActivity, now).TotalMilliseconds;
                return new SessionHeartbeat(s.SessionId, nowMs, lastActivityMs, s.Inbound.Frames, s.Outbound.Frames, s.Inbound.Bytes, s.Outbound.Bytes, s.DeepgramRequestId);
            }).ToList();

            await Task.WhenAll(
                // A session that ended since the snapshot is left out; one that ends while the renewal is on its
                // way cannot get its lease back (the script checks the record).
                _leases.RenewAsync(customerId, [.. sessions.Where(s => !s.TunnelEnded).Select(s => s.SessionId)], leaseTtl),
                heartbeats.Count > 0 ? _records.HeartbeatAsync(customerId, heartbeats) : Task.CompletedTask,
                _settings.ApplyAsync(customerId, log: false)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Every second per customer during an outage: the message, not the stack.
            SessionControlLog.HeartbeatFailed(_logger, sessions.Count, customerId, ex.Message);
        }
    }
}
