using Proxy.Customers;
using Proxy.Storage;

namespace Proxy.Billing;

internal enum UpstreamKeyChangeOutcome
{
    Done,
    NotFound,

    /// <summary>Provision asked, but the customer has a key already (rotate it instead).</summary>
    AlreadyHasKey,

    /// <summary>Rotate asked, but the customer has no key (provision one instead).</summary>
    NoKey,

    /// <summary>The customer's key changed while this ran (another admin call won); the key made for it is deleted.</summary>
    Changed,
}

/// <summary>What a provision or rotate did: the Deepgram key now in force and the one it retired, ids only.</summary>
internal sealed record UpstreamKeyChange(UpstreamKeyChangeOutcome Outcome, string? DeepgramKeyId = null, string? RetiredDeepgramKeyId = null);

/// <summary>
/// Gives a customer a Deepgram key of its own through Deepgram's keys API (tagged with its id), stored encrypted, and
/// rotates it: the new key is created first, then switched in atomically against the key that was read (compare-and-
/// set), so the customer's sessions always have a key; the old one is queued for deletion at Deepgram once its sessions
/// have ended (<see cref="UpstreamKeyRetirement"/>). A key created at Deepgram but not stored is deleted there again.
/// </summary>
internal sealed class UpstreamKeyProvisioning
{
    private readonly DeepgramKeysClient _deepgram;
    private readonly CustomerStore _customers;
    private readonly UpstreamKeyStore _store;
    private readonly UpstreamKeyProtector _protector;
    private readonly TimeProvider _time;
    private readonly ILogger<UpstreamKeyProvisioning> _logger;

    public UpstreamKeyProvisioning(
        DeepgramKeysClient deepgram, CustomerStore customers, UpstreamKeyStore store, UpstreamKeyProtector protector, TimeProvider time, ILogger<UpstreamKeyProvisioning> logger)
    {
        _deepgram = deepgram;
        _customers = customers;
        _store = store;
        _protector = protector;
        _time = time;
        _logger = logger;
    }

    /// <exception cref="DeepgramManagementException">Deepgram's keys API is not configured, refused or failed; nothing changed.</exception>
    public async Task<UpstreamKeyChange> ProvisionAsync(string customerId, CancellationToken cancellationToken)
    {
        var (customer, stored) = await _customers.GetWithUpstreamKeyAsync(customerId).ConfigureAwait(false);
        if (customer is null)
        {
            return new UpstreamKeyChange(UpstreamKeyChangeOutcome.NotFound);
        }

        if (stored is not null)
        {
            return new UpstreamKeyChange(UpstreamKeyChangeOutcome.AlreadyHasKey, customer.DeepgramKeyId);
        }

        return await CreateAndSwitchAsync(customerId, UpstreamKeyStore.ExpectNone, UpstreamKeyChangeOutcome.AlreadyHasKey, cancellationToken).ConfigureAwait(false);
    }

    /// <exception cref="DeepgramManagementException">Deepgram's keys API is not configured, refused or failed; nothing changed.</exception>
    public async Task<UpstreamKeyChange> RotateAsync(string customerId, CancellationToken cancellationToken)
    {
        var (customer, stored) = await _customers.GetWithUpstreamKeyAsync(customerId).ConfigureAwait(false);
        if (customer is null)
        {
            return new UpstreamKeyChange(UpstreamKeyChangeOutcome.NotFound);
        }

        if (stored is null)
        {
            return new UpstreamKeyChange(UpstreamKeyChangeOutcome.NoKey);
        }

        return await CreateAndSwitchAsync(customerId, stored, UpstreamKeyChangeOutcome.Changed, cancellationToken).ConfigureAwait(false);
    }

    private async Task<UpstreamKeyChange> CreateAndSwitchAsync(
        string customerId, string expectedCiphertext, UpstreamKeyChangeOutcome onConflict, CancellationToken cancellationToken)
    {
        var created = await _deepgram.CreateAsync(customerId, cancellationToken).ConfigureAwait(false);
        UpstreamKeySwitchOutcome outcome;
        string? retired;
        try
        {
            (outcome, retired) = await _store.SwitchAsync(
                customerId, expectedCiphertext, _protector.Protect(customerId, created.Key), UpstreamKeySources.Provisioned, created.ApiKeyId).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            if (!await IsStoredAfterFailureAsync(customerId, created.ApiKeyId, ex).ConfigureAwait(false))
            {
                throw;
            }

            (outcome, retired) = (UpstreamKeySwitchOutcome.Switched, null);
        }

        if (outcome != UpstreamKeySwitchOutcome.Switched)
        {
            UpstreamKeyLog.NotStored(_logger, customerId, created.ApiKeyId, outcome == UpstreamKeySwitchOutcome.NotFound ? "the customer was deleted" : "its key changed meanwhile");
            await DiscardAsync(customerId, created.ApiKeyId).ConfigureAwait(false);
            return new UpstreamKeyChange(outcome == UpstreamKeySwitchOutcome.NotFound ? UpstreamKeyChangeOutcome.NotFound : onConflict);
        }

        UpstreamKeyLog.Provisioned(_logger, customerId, created.ApiKeyId, retired);
        return new UpstreamKeyChange(UpstreamKeyChangeOutcome.Done, created.ApiKeyId, retired);
    }

    /// <summary>Redis failed during the switch, which may or may not have happened: read it back. True when the key is
    /// the customer's; a key that is not is discarded; one whose fate cannot be read is logged for the operator (never
    /// deleted blindly: it may be the key the customer's sessions now use).</summary>
    private async Task<bool> IsStoredAfterFailureAsync(string customerId, string deepgramKeyId, Exception failure)
    {
        Customer? customer;
        try
        {
            customer = await _customers.GetAsync(customerId).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsRedisFailure(ex))
        {
            UpstreamKeyLog.StoredUnknown(_logger, customerId, deepgramKeyId, failure);
            return false;
        }

        if (customer?.DeepgramKeyId == deepgramKeyId)
        {
            return true;
        }

        UpstreamKeyLog.NotStored(_logger, customerId, deepgramKeyId, "Redis failed: " + failure.Message);
        await DiscardAsync(customerId, deepgramKeyId).ConfigureAwait(false);
        return false;
    }

    /// <summary>Deletes a key that never became the customer's; when Deepgram cannot delete it now, it is queued
    /// like a retired key, so the retirement job deletes it later. Never throws for Deepgram's failure.</summary>
    private async Task DiscardAsync(string customerId, string deepgramKeyId)
    {
        try
        {
            await _deepgram.DeleteAsync(deepgramKeyId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DeepgramManagementException ex)
        {
            UpstreamKeyLog.DeleteFailed(_logger, customerId, deepgramKeyId, ex.Failure, ex.Message);
            await _store.RetireAsync(customerId, deepgramKeyId, _time.GetUtcNow().ToUnixTimeMilliseconds()).ConfigureAwait(false);
        }
    }
}
