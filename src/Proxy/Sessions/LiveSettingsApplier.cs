using Proxy.Customers;

namespace Proxy.Sessions;

/// <summary>Puts a customer's current settings on its sessions live on this instance.</summary>
internal sealed class LiveSettingsApplier
{
    private readonly CustomerStore _customers;
    private readonly SessionPolicyResolver _resolver;
    private readonly SessionRegistry _registry;
    private readonly ILogger<LiveSettingsApplier> _logger;

    public LiveSettingsApplier(CustomerStore customers, SessionPolicyResolver resolver, SessionRegistry registry, ILogger<LiveSettingsApplier> logger)
    {
        _customers = customers;
        _resolver = resolver;
        _registry = registry;
        _logger = logger;
    }

    public async Task ApplyAsync(string customerId, bool log)
    {
        if (_registry.OfCustomer(customerId).Count == 0)
        {
            return;
        }

        Apply(customerId, await _customers.GetAsync(customerId).ConfigureAwait(false), log);
    }

    /// <summary>Applies settings the caller has just read (the heartbeat reads the customer once for several checks).</summary>
    public void Apply(string customerId, Customer? customer, bool log)
    {
        var sessions = _registry.OfCustomer(customerId);
        var policy = _resolver.Resolve(customer?.Settings ?? CustomerSettings.None);
        var changed = 0;
        foreach (var session in sessions)
        {
            if (session.Policy != policy)
            {
                session.Policy = policy;
                changed++;
            }
        }

        if (log || changed > 0)
        {
            SessionControlLog.SettingsApplied(_logger, customerId, changed);
        }
    }
}
