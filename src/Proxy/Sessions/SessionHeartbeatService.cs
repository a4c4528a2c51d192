using Microsoft.Extensions.Options;
using Proxy.Storage;

namespace Proxy.Sessions;

/// <summary>
/// Every heartbeat, for each customer with live sessions here: renews their concurrency leases (and, per capped
/// Deepgram key, <see cref="UpstreamKeyLeases"/>), refreshes their
/// open records (last seen, last activity, traffic so far) and has the customer rechecked
/// (<see cref="CustomerRecheck"/>). One pipelined round trip per customer. While Redis is unreachable the beats go to
/// disk instead (<see cref="SpooledHeartbeats"/>).
/// </summary>
internal sealed class SessionHeartbeatService : BackgroundService
{
    private readonly SessionRegistry _registry;
    private readonly RedisConnectionState _connection;
    private readonly SessionLeaseStore _leases;
    private readonly UpstreamKeyLeases _upstreamKeyLeases;
    private readonly SessionRecordStore _records;
    private readonly RecordSpool _spool;
    private readonly SpooledHeartbeats _spooledBeats;
    private readonly CustomerRecheck _recheck;
    private readonly IOptionsMonitor<SessionControlOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionHeartbeatService> _logger;

    public SessionHeartbeatService(
        SessionRegistry registry,
        RedisConnectionState connection,
        SessionLeaseStore leases,
        UpstreamKeyLeases upstreamKeyLeases,
        SessionRecordStore records,
        RecordSpool spool,
        SpooledHeartbeats spooledBeats,
        CustomerRecheck recheck,
        IOptionsMonitor<SessionControlOptions> options,
        TimeProvider time,
        ILogger<SessionHeartbeatService> logger)
    {
        _registry = registry;
        _connection = connection;
        _leases = leases;
        _upstreamKeyLeases = upstreamKeyLeases;
        _records = records;
        _spool = spool;
        _spooledBeats = spooledBeats;
        _recheck = recheck;
        _options = options;
        _time = time;
        _logger = logger;
    }

    public async Task BeatAsync()
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var now = _time.GetTimestamp();
        var live = _registry.Snapshot().Where(s => s.ProxyClose is null && !s.TunnelEnded).GroupBy(s => s.Identity.CustomerId).ToList();
        if (!_connection.IsConnected)
        {
            // Nothing to renew against; the first beat after the reconnect catches up. The beats go to disk meanwhile,
            // in case this process dies before Redis is back.
            await SpoolBeatsAsync(live, nowMs, now).ConfigureAwait(false);
            return;
        }

        if (_spooledBeats.HasPending && !_spool.HasPending)
        {
            await ApplySpooledBeatsAsync().ConfigureAwait(false);
        }

        var options = _options.CurrentValue;
        var beats = new List<Task> { _upstreamKeyLeases.RenewAsync(live.SelectMany(g => g), options.LeaseTtl) };
        foreach (var group in live)
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
            var heartbeats = Heartbeats(sessions, nowMs, now);

            // Issued together, so they travel in one pipelined round trip. A session that has ended since the
            // snapshot is left out; one that ends while the renewal is on its way cannot get its lease back (the
            // script checks the record).
            await Task.WhenAll(
                _leases.RenewAsync(customerId, [.. sessions.Where(s => !s.TunnelEnded).Select(s => s.SessionId)], leaseTtl),
                heartbeats.Count > 0 ? _records.HeartbeatAsync(customerId, heartbeats) : Task.CompletedTask,
                _recheck.RecheckAsync(customerId, sessions, nowMs)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Every second per customer during an outage: the message, not the stack.
            SessionControlLog.HeartbeatFailed(_logger, sessions.Count, customerId, ex.Message);
        }
    }

    private List<SessionHeartbeat> Heartbeats(List<AgentSession> sessions, long nowMs, long now) =>
        [.. sessions.Where(s => s.UpstreamOpened).Select(s =>
        {
            var lastActivity = s.Policy.LastActivity(s.Activity);
            var lastActivityMs = nowMs - (long)_time.GetElapsedTime(lastActivity, now).TotalMilliseconds;
            return new SessionHeartbeat(s.SessionId, nowMs, lastActivityMs, s.Inbound.Frames, s.Outbound.Frames, s.Inbound.Bytes, s.Outbound.Bytes, s.DeepgramRequestId);
        })];

    private async Task SpoolBeatsAsync(List<IGrouping<string, AgentSession>> live, long nowMs, long now)
    {
        try
        {
            await _spooledBeats.SaveAsync(live.ToDictionary(g => g.Key, g => Heartbeats([.. g], nowMs, now))).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            SessionControlLog.HeartbeatSpoolFailed(_logger, ex.Message);
        }
    }

    private async Task ApplySpooledBeatsAsync()
    {
        try
        {
            await _spooledBeats.ApplyAsync(_records).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SessionControlLog.HeartbeatSpoolFailed(_logger, ex.Message);
        }
    }
}
