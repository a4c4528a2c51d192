using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Sessions;
using Proxy.Storage;

namespace Proxy.Admin;

/// <summary>
/// Deletes a disabled customer: revokes every key it has (through the revocation's control message, so every
/// instance closes what the key still holds and forgets it from its in-memory key cache), then deletes its settings,
/// upstream key and key list and takes it off the customer list. Its records, usage aggregates and invoices stay
/// until their retention; a later PUT of the same id starts a new customer with no keys and default settings.
/// </summary>
internal sealed class CustomerOffboarding
{
    private readonly CustomerStore _store;
    private readonly SessionControlChannel _channel;
    private readonly TimeSpan _recordRetention;
    private readonly ILogger<CustomerOffboarding> _logger;

    public CustomerOffboarding(CustomerStore store, SessionControlChannel channel, IOptions<StorageOptions> storage, ILogger<CustomerOffboarding> logger)
    {
        _store = store;
        _channel = channel;
        _recordRetention = storage.Value.RecordRetention;
        _logger = logger;
    }

    /// <summary>The outcome and how many keys this call revoked (keys revoked before are not counted again).</summary>
    public async Task<(CustomerDeletionOutcome Outcome, int KeysRevoked)> DeleteAsync(string customerId)
    {
        var customer = await _store.GetAsync(customerId).ConfigureAwait(false);
        if (customer is null)
        {
            return (CustomerDeletionOutcome.NotFound, 0);
        }

        if (!customer.Disabled)
        {
            AdminLog.CustomerDeletionRefused(_logger, customerId);
            return (CustomerDeletionOutcome.Enabled, 0);
        }

        // Keys before the customer: if this stops midway, what is left is a disabled customer with revoked keys,
        // never a deleted id whose keys would work again for a customer later created under it.
        var revoked = 0;
        var handled = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in await _store.ListKeysAsync(customerId).ConfigureAwait(false))
        {
            revoked += await RevokeAsync(key.KeyId, key.RevokedAtMs is null).ConfigureAwait(false);
            handled.Add(key.KeyId);
        }

        var (outcome, listedKeyIds) = await _store.DeleteAsync(customerId).ConfigureAwait(false);
        if (outcome != CustomerDeletionOutcome.Deleted)
        {
            // Enabled again, or deleted by another call, between the checks above and the deletion.
            if (outcome == CustomerDeletionOutcome.Enabled)
            {
                AdminLog.CustomerDeletionRefused(_logger, customerId);
            }

            return (outcome, 0);
        }

        // A key issued while this ran: its customer is gone, revoke it all the same.
        foreach (var keyId in listedKeyIds.Where(id => !handled.Contains(id)))
        {
            revoked += await RevokeAsync(keyId, wasActive: true).ConfigureAwait(false);
            handled.Add(keyId);
        }

        foreach (var keyId in handled)
        {
            await _store.ExpireKeyAsync(keyId, _recordRetention).ConfigureAwait(false);
        }

        AdminLog.CustomerDeleted(_logger, customerId, revoked, handled.Count);
        return (CustomerDeletionOutcome.Deleted, revoked);
    }

    private async Task<int> RevokeAsync(string keyId, bool wasActive)
    {
        if (await _store.RevokeKeyAsync(keyId, closeSessions: true).ConfigureAwait(false) is null)
        {
            return 0;
        }

        await _channel.PublishAsync(new ControlMessage { Kind = ControlMessage.CloseKey, KeyId = keyId }).ConfigureAwait(false);
        return wasActive ? 1 : 0;
    }
}
