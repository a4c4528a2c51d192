using System.Text.Json;
using Proxy.Customers;
using Proxy.Storage;

namespace Proxy.Sessions;

/// <summary>
/// The instances' shared line: the admin API publishes settings changes and close orders, and every instance acts
/// on the sessions it holds. Pub/sub is fire-and-forget: the heartbeat rereads every live customer's settings, keys
/// and disabled flag, which covers a message an instance missed (a revoked key, a disabled customer included).
/// </summary>
internal sealed class SessionControlChannel : IHostedService, IDisposable
{
    // Unsubscribing is a courtesy (the connection closes with the process anyway): it may not hold up the shutdown.
    private static readonly TimeSpan UnsubscribeLimit = TimeSpan.FromSeconds(2);

    private readonly SessionControlStore _store;
    private readonly RedisConnectionState _connection;
    private readonly SessionRegistry _registry;
    private readonly SessionCloser _closer;
    private readonly LiveSettingsApplier _settings;
    private readonly ProxyKeyAuthenticator _authenticator;
    private readonly TimeProvider _time;
    private readonly ILogger<SessionControlChannel> _logger;
    private SessionControlStore.Subscription? _subscription;
    private Task? _subscribing;
    private readonly CancellationTokenSource _stopping = new();

    public SessionControlChannel(
        SessionControlStore store,
        RedisConnectionState connection,
        SessionRegistry registry,
        SessionCloser closer,
        LiveSettingsApplier settings,
        ProxyKeyAuthenticator authenticator,
        TimeProvider time,
        ILogger<SessionControlChannel> logger)
    {
        _time = time;
        _store = store;
        _connection = connection;
        _registry = registry;
        _closer = closer;
        _settings = settings;
        _authenticator = authenticator;
        _logger = logger;
    }

    /// <summary>Tells every instance (this one included); returns how many instances listened.</summary>
    public Task<long> PublishAsync(ControlMessage message) =>
        _store.PublishAsync(JsonSerializer.Serialize(message, ControlMessageJsonContext.Default.ControlMessage));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Redis may be down at start: keep trying in the background. Once subscribed, the client re-subscribes by
        // itself after any reconnect.
        _subscribing = SubscribeAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_subscribing is not null)
        {
            await _subscribing.ConfigureAwait(false);
        }

        if (_subscription is null || !_connection.IsConnected)
        {
            return;
        }

        // IsConnected is true a moment before a connection fails, and stays true while a frozen or partitioned Redis
        // answers nothing: the call itself is bounded and may fail, and the shutdown goes on either way.
        try
        {
            await _subscription.UnsubscribeAsync().WithinAsync(UnsubscribeLimit, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex) || ex is OperationCanceledException or ObjectDisposedException)
        {
            SessionControlLog.UnsubscribeFailed(_logger, ex.Message);
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        var attempts = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (!_connection.IsConnected)
                {
                    // Waiting, not failing: no exception per attempt while Redis is away.
                    attempts++;
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                _subscription = await _store.SubscribeAsync(HandleAsync).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
            {
                // Once a minute is enough to say Redis is still missing.
                if (attempts++ % 60 == 0)
                {
                    SessionControlLog.SubscribeFailed(_logger, ex.Message);
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // Closes run on their own (each takes up to the close grace): messages are handled one after the other.
    private void Close(IReadOnlyList<AgentSession> sessions, ProxyCloseRequest request)
    {
        foreach (var session in sessions)
        {
            _ = _closer.CloseAsync(session, request);
        }
    }

    private async Task HandleAsync(string message)
    {
        try
        {
            var control = JsonSerializer.Deserialize(message, ControlMessageJsonContext.Default.ControlMessage);
            switch (control)
            {
                case { Kind: ControlMessage.SettingsChanged, CustomerId: { } customerId }:
                    await _settings.ApplyAsync(customerId, log: true).ConfigureAwait(false);
                    break;
                case { Kind: ControlMessage.CloseSession, SessionId: { } sessionId }:
                    if (_registry.TryGet(sessionId, out var session))
                    {
                        Close([session!], ProxyCloseRequests.AdminClosed);
                    }

                    break;
                case { Kind: ControlMessage.CloseCustomer, CustomerId: { } customerId }:
                    Close(_registry.OfCustomer(customerId), ProxyCloseRequests.AdminClosed);
                    break;
                case { Kind: ControlMessage.CloseKey, KeyId: { } keyId }:
                    _authenticator.Forget(keyId);
                    Close([.. _registry.Snapshot().Where(s => s.Identity.KeyId == keyId)], ProxyCloseRequests.KeyRevoked);
                    break;
                case { Kind: ControlMessage.CustomerDisabled, CustomerId: { } customerId }:
                    Close(_registry.OfCustomer(customerId), ProxyCloseRequests.CustomerDisabled);
                    break;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SessionControlLog.ControlMessageFailed(_logger, message, ex);
        }
    }
}
