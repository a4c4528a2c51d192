using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Customers;
using Proxy.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Customers;

/// <summary>Re-encryption after a master-key rotation, against a real redis-server (each test its own key prefix).</summary>
public sealed class UpstreamKeyReEncryptionTests : IClassFixture<UpstreamKeyReEncryptionTests.Redis>
{
    private static readonly byte[] OldKey = RandomNumberGenerator.GetBytes(32);
    private static readonly byte[] NewKey = RandomNumberGenerator.GetBytes(32);

    private readonly CustomerStore _store;
    private readonly UpstreamKeyStore _upstreamKeys;
    private readonly UpstreamKeyProtector _old = Protector(OldKey);
    private readonly UpstreamKeyProtector _rotated = Protector(NewKey, OldKey);

    public UpstreamKeyReEncryptionTests(Redis redis)
    {
        var keys = new RedisKeys($"t{Guid.NewGuid():N}:");
        _store = new CustomerStore(redis.Server.Connection!, keys, new FakeTimeProvider());
        _upstreamKeys = new UpstreamKeyStore(redis.Server.Connection!, keys, new FakeTimeProvider());
    }

    [Fact]
    public async Task Keys_of_the_first_format_and_of_a_previous_master_key_move_to_the_current_one_and_a_second_pass_finds_them_current()
    {
        await StoreAsync("legacy", LegacyUpstreamKeys.Protect(OldKey, "legacy", "dg_legacy"));
        await StoreAsync("previous", _old.Protect("previous", "dg_previous"));
        await StoreAsync("current", _rotated.Protect("current", "dg_current"));
        await _store.UpsertAsync("no-key", null, null, null);

        var first = await new UpstreamKeyReEncryption(_store, _rotated).RunAsync(CancellationToken.None);

        Assert.Equal((2, 1, 0), (first.ReEncrypted, first.AlreadyCurrent, first.Failed.Count));
        foreach (var (customer, apiKey) in new[] { ("legacy", "dg_legacy"), ("previous", "dg_previous"), ("current", "dg_current") })
        {
            var (_, stored) = await _store.GetWithUpstreamKeyAsync(customer);
            var reading = _rotated.Read(customer, stored!);
            Assert.Equal((UpstreamKeyReadStatus.Decrypted, apiKey, true), (reading.Status, reading.ApiKey, reading.IsCurrent));
            Assert.Equal(apiKey, Protector(NewKey).Unprotect(customer, stored!));
        }

        var second = await new UpstreamKeyReEncryption(_store, _rotated).RunAsync(CancellationToken.None);
        Assert.Equal((0, 3, 0), (second.ReEncrypted, second.AlreadyCurrent, second.Failed.Count));
    }

    [Fact]
    public async Task Keys_no_configured_master_key_opens_are_reported_and_left_as_they_were()
    {
        var foreign = Protector(RandomNumberGenerator.GetBytes(32)).Protect("foreign", "dg_foreign");
        var foreignLegacy = LegacyUpstreamKeys.Protect(RandomNumberGenerator.GetBytes(32), "foreign-legacy", "dg_foreign");
        await StoreAsync("foreign", foreign);
        await StoreAsync("foreign-legacy", foreignLegacy);
        await StoreAsync("fine", _old.Protect("fine", "dg_fine"));

        var result = await new UpstreamKeyReEncryption(_store, _rotated).RunAsync(CancellationToken.None);

        Assert.Equal((1, 0), (result.ReEncrypted, result.AlreadyCurrent));
        Assert.Equal(["foreign", "foreign-legacy"], result.Failed);
        Assert.Equal(foreign, (await _store.GetWithUpstreamKeyAsync("foreign")).ProtectedUpstreamKey);
        Assert.Equal(foreignLegacy, (await _store.GetWithUpstreamKeyAsync("foreign-legacy")).ProtectedUpstreamKey);
    }

    [Fact]
    public async Task The_replacement_is_a_compare_and_set_so_a_concurrent_put_or_delete_wins()
    {
        var read = _old.Protect("acme", "dg_old");
        await StoreAsync("acme", read);
        var putMeanwhile = _rotated.Protect("acme", "dg_new");
        await _upstreamKeys.SwitchAsync("acme", null, putMeanwhile, UpstreamKeySources.Set, null);

        Assert.False(await _store.ReplaceUpstreamKeyAsync("acme", read, _rotated.Protect("acme", "dg_old")));
        Assert.Equal(putMeanwhile, (await _store.GetWithUpstreamKeyAsync("acme")).ProtectedUpstreamKey);

        await _upstreamKeys.SwitchAsync("acme", null, null, null, null);
        Assert.False(await _store.ReplaceUpstreamKeyAsync("acme", putMeanwhile, _rotated.Protect("acme", "dg_old")));
        Assert.Null((await _store.GetWithUpstreamKeyAsync("acme")).ProtectedUpstreamKey);

        await StoreAsync("acme", read);
        Assert.True(await _store.ReplaceUpstreamKeyAsync("acme", read, putMeanwhile));
        Assert.Equal(putMeanwhile, (await _store.GetWithUpstreamKeyAsync("acme")).ProtectedUpstreamKey);
    }

    [Fact]
    public async Task A_provisioned_key_keeps_its_source_its_deepgram_key_id_and_its_since_when_re_encrypted()
    {
        await _store.UpsertAsync("provisioned", null, null, null);
        await _upstreamKeys.SwitchAsync("provisioned", UpstreamKeyStore.ExpectNone, _old.Protect("provisioned", "dg_own"), UpstreamKeySources.Provisioned, "dg-key-id-1");
        var before = await _store.GetAsync("provisioned");

        var result = await new UpstreamKeyReEncryption(_store, _rotated).RunAsync(CancellationToken.None);

        Assert.Equal(1, result.ReEncrypted);
        var (after, stored) = await _store.GetWithUpstreamKeyAsync("provisioned");
        Assert.Equal((UpstreamKeySources.Provisioned, "dg-key-id-1", before!.UpstreamKeySinceMs), (after!.UpstreamKeySource, after.DeepgramKeyId, after.UpstreamKeySinceMs));
        Assert.Equal("dg_own", Protector(NewKey).Unprotect("provisioned", stored!));
    }

    private async Task StoreAsync(string customerId, string protectedKey)
    {
        await _store.UpsertAsync(customerId, null, null, null);
        await _upstreamKeys.SwitchAsync(customerId, null, protectedKey, UpstreamKeySources.Set, null);
    }

    private static UpstreamKeyProtector Protector(byte[] masterKey, params byte[][] previous) =>
        new(Options.Create(new SecretsOptions
        {
            MasterKey = Convert.ToBase64String(masterKey),
            PreviousMasterKeys = [.. previous.Select(Convert.ToBase64String)],
        }));

    /// <summary>The first stored form: base64(nonce ‖ tag ‖ ciphertext), no master-key id.</summary>

    public sealed class Redis : IAsyncLifetime
    {
        internal RedisServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
