namespace Proxy.Customers;

/// <summary>What one re-encryption pass did. <see cref="Failed"/> names the customers whose key no configured master
/// key opens (sorted); their ciphertext is left as it was.</summary>
internal sealed record UpstreamKeyReEncryptionResult(int ReEncrypted, int AlreadyCurrent, IReadOnlyList<string> Failed);

/// <summary>
/// Moves every stored Deepgram key to the current master key, after a rotation. Each write is a compare-and-set on the
/// ciphertext it read, so a key replaced by a concurrent PUT (already current) or removed by a DELETE is left alone.
/// Idempotent: a second pass finds everything current.
/// </summary>
internal sealed class UpstreamKeyReEncryption
{
    // A PUT racing each attempt is vanishingly rare; the bound only keeps a pathological writer from looping us.
    private const int MaxAttemptsPerCustomer = 3;

    private readonly CustomerStore _store;
    private readonly UpstreamKeyProtector _protector;

    public UpstreamKeyReEncryption(CustomerStore store, UpstreamKeyProtector protector)
    {
        _store = store;
        _protector = protector;
    }

    public async Task<UpstreamKeyReEncryptionResult> RunAsync(CancellationToken cancellationToken)
    {
        var reEncrypted = 0;
        var alreadyCurrent = 0;
        var failed = new List<string>();
        foreach (var customerId in await _store.ListIdsAsync().ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (await ReEncryptAsync(customerId).ConfigureAwait(false))
            {
                case Outcome.ReEncrypted: reEncrypted++; break;
                case Outcome.AlreadyCurrent: alreadyCurrent++; break;
                case Outcome.Failed: failed.Add(customerId); break;
            }
        }

        failed.Sort(StringComparer.Ordinal);
        return new UpstreamKeyReEncryptionResult(reEncrypted, alreadyCurrent, failed);
    }

    private async Task<Outcome> ReEncryptAsync(string customerId)
    {
        for (var attempt = 0; attempt < MaxAttemptsPerCustomer; attempt++)
        {
            var (_, stored) = await _store.GetWithUpstreamKeyAsync(customerId).ConfigureAwait(false);
            if (stored is null)
            {
                return Outcome.NoKey;
            }

            var reading = _protector.Read(customerId, stored);
            if (reading.Status != UpstreamKeyReadStatus.Decrypted)
            {
                return Outcome.Failed;
            }

            if (reading.IsCurrent)
            {
                return Outcome.AlreadyCurrent;
            }

            if (await _store.ReplaceUpstreamKeyAsync(customerId, stored, _protector.Protect(customerId, reading.ApiKey!)).ConfigureAwait(false))
            {
                return Outcome.ReEncrypted;
            }
        }

        return Outcome.Failed;
    }

    private enum Outcome
    {
        NoKey,
        ReEncrypted,
        AlreadyCurrent,
        Failed,
    }
}
