using Proxy.Customers;

namespace Proxy.Sessions;

/// <summary>
/// The heartbeat's second look at who may still talk: rereads a customer and the keys its live sessions were opened
/// with, applies any settings change, and closes the sessions of a revoked or expired key or a disabled customer.
/// This catches a control message this instance missed.
/// </summary>
internal sealed class CustomerRecheck
{
    private readonly CustomerStore _customers;
    private readonly LiveSettingsApplier _settings;
    private readonly SessionCloser _closer;
    private readonly ILogger<CustomerRecheck> _logger;

    public CustomerRecheck(CustomerStore customers, LiveSettingsApplier settings, SessionCloser closer, ILogger<CustomerRecheck> logger)
    {
        _customers = customers;
        _settings = settings;
        _closer = closer;
        _logger = logger;
    }

    /// <summary>Issues its reads before its first await, so a caller that starts other Redis calls alongside sends
    /// them in one pipelined round trip.</summary>
    public async Task RecheckAsync(string customerId, IReadOnlyList<AgentSession> sessions, long nowMs)
    {
        var keyIds = sessions.Select(s => s.Identity.KeyId).Distinct(StringComparer.Ordinal).ToArray();
        var customerRead = _customers.GetAsync(customerId);
        var keyReads = keyIds.Select(_customers.GetKeyAsync).ToArray();
        await Task.WhenAll(customerRead, Task.WhenAll(keyReads)).ConfigureAwait(false);

        var customer = await customerRead.ConfigureAwait(false);
        _settings.Apply(customerId, customer, log: false);
        var keys = new Dictionary<string, ProxyKey?>(keyIds.Length, StringComparer.Ordinal);
        for (var i = 0; i < keyIds.Length; i++)
        {
            keys[keyIds[i]] = await keyReads[i].ConfigureAwait(false);
        }

        foreach (var session in sessions)
        {
            if (session.ProxyClose is null && SessionAccess.CloseOwed(customer, keys[session.Identity.KeyId], nowMs) is { } close)
            {
                SessionControlLog.RecheckClose(_logger, session.SessionId, session.Identity.CustomerId, close.CloseReason);
                _ = _closer.CloseAsync(session, close);
            }
        }
    }
}
