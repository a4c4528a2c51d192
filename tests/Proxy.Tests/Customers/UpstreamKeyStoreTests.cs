using Microsoft.Extensions.Time.Testing;
using Proxy.Customers;
using Proxy.Storage;

namespace Proxy.Tests.Customers;

/// <summary>The atomic switch of a customer's Deepgram key, against a real redis-server (each test its own prefix).</summary>
public sealed class UpstreamKeyStoreTests : IClassFixture<UpstreamKeyReEncryptionTests.Redis>
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_796_083_200_000));
    private readonly CustomerStore _customers;
    private readonly UpstreamKeyStore _store;

    public UpstreamKeyStoreTests(UpstreamKeyReEncryptionTests.Redis redis)
    {
        var keys = new RedisKeys($"t{Guid.NewGuid():N}:");
        _customers = new CustomerStore(redis.Server.Connection!, keys, _time);
        _store = new UpstreamKeyStore(redis.Server.Connection!, keys, _time);
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    [Fact]
    public async Task A_replaced_provisioned_key_is_retired_and_its_history_entry_ends_at_the_switch()
    {
        await _customers.UpsertAsync("acme", null, null, null);
        var firstAt = NowMs;
        Assert.Equal((UpstreamKeySwitchOutcome.Switched, null), await _store.SwitchAsync("acme", UpstreamKeyStore.ExpectNone, "c1", UpstreamKeySources.Provisioned, "dg-1"));
        _time.Advance(TimeSpan.FromMinutes(5));

        var (outcome, retired) = await _store.SwitchAsync("acme", "c1", "c2", UpstreamKeySources.Provisioned, "dg-2");

        Assert.Equal((UpstreamKeySwitchOutcome.Switched, "dg-1"), (outcome, retired));
        Assert.Equal([new RetiringDeepgramKey("dg-1", NowMs)], await _store.RetiringAsync("acme"));
        Assert.Contains("acme", await _store.CustomersWithRetiringKeysAsync());
        Assert.Equal([new DeepgramKeyPeriod("dg-1", firstAt, NowMs), new DeepgramKeyPeriod("dg-2", NowMs, null)], await _store.HistoryAsync("acme"));
        var customer = await _customers.GetAsync("acme");
        Assert.Equal((UpstreamKeySources.Provisioned, "dg-2", NowMs), (customer!.UpstreamKeySource, customer.DeepgramKeyId, customer.UpstreamKeySinceMs));
    }

    [Fact]
    public async Task A_key_set_by_put_is_forgotten_when_replaced_not_retired()
    {
        await _customers.UpsertAsync("acme", null, null, null);
        await _store.SwitchAsync("acme", null, "c1", UpstreamKeySources.Set, null);

        var (outcome, retired) = await _store.SwitchAsync("acme", "c1", "c2", UpstreamKeySources.Provisioned, "dg-1");

        Assert.Equal((UpstreamKeySwitchOutcome.Switched, null), (outcome, retired));
        Assert.Empty(await _store.RetiringAsync("acme"));
    }

    [Fact]
    public async Task Removing_or_overwriting_a_provisioned_key_by_put_retires_it_too()
    {
        await _customers.UpsertAsync("acme", null, null, null);
        await _store.SwitchAsync("acme", UpstreamKeyStore.ExpectNone, "c1", UpstreamKeySources.Provisioned, "dg-1");
        Assert.Equal("dg-1", (await _store.SwitchAsync("acme", null, "put", UpstreamKeySources.Set, null)).RetiredDeepgramKeyId);
        var afterPut = await _customers.GetAsync("acme");
        Assert.Equal((UpstreamKeySources.Set, null), (afterPut!.UpstreamKeySource, afterPut.DeepgramKeyId));

        await _store.SwitchAsync("acme", null, "c2", UpstreamKeySources.Provisioned, "dg-2");
        Assert.Equal("dg-2", (await _store.SwitchAsync("acme", null, null, null, null)).RetiredDeepgramKeyId);

        var cleared = await _customers.GetWithUpstreamKeyAsync("acme");
        Assert.Null(cleared.ProtectedUpstreamKey);
        Assert.Equal((false, null, null), (cleared.Customer!.HasUpstreamKey, cleared.Customer.UpstreamKeySource, cleared.Customer.DeepgramKeyId));
        Assert.Equal(["dg-1", "dg-2"], (await _store.RetiringAsync("acme")).Select(k => k.DeepgramKeyId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_switch_is_a_compare_and_set_and_an_unknown_customer_is_not_created()
    {
        await _customers.UpsertAsync("acme", null, null, null);
        await _store.SwitchAsync("acme", UpstreamKeyStore.ExpectNone, "c1", UpstreamKeySources.Provisioned, "dg-1");

        Assert.Equal(UpstreamKeySwitchOutcome.Changed, (await _store.SwitchAsync("acme", UpstreamKeyStore.ExpectNone, "c2", UpstreamKeySources.Provisioned, "dg-2")).Outcome);
        Assert.Equal(UpstreamKeySwitchOutcome.Changed, (await _store.SwitchAsync("acme", "stale", "c2", UpstreamKeySources.Provisioned, "dg-2")).Outcome);
        Assert.Equal("dg-1", (await _customers.GetAsync("acme"))!.DeepgramKeyId);
        Assert.Empty(await _store.RetiringAsync("acme"));

        Assert.Equal(UpstreamKeySwitchOutcome.NotFound, (await _store.SwitchAsync("nobody", null, "c", UpstreamKeySources.Set, null)).Outcome);
        Assert.Null(await _customers.GetAsync("nobody"));
    }

    [Fact]
    public async Task Deleting_a_customer_retires_its_provisioned_key()
    {
        await _customers.UpsertAsync("gone", null, null, disabled: true);
        await _store.SwitchAsync("gone", UpstreamKeyStore.ExpectNone, "c1", UpstreamKeySources.Provisioned, "dg-1");

        var (outcome, _) = await _customers.DeleteAsync("gone");

        Assert.Equal(CustomerDeletionOutcome.Deleted, outcome);
        Assert.Equal([new RetiringDeepgramKey("dg-1", NowMs)], await _store.RetiringAsync("gone"));
        Assert.Contains("gone", await _store.CustomersWithRetiringKeysAsync());
    }

    [Fact]
    public async Task A_customer_leaves_the_retirement_set_once_nothing_of_it_is_retiring()
    {
        await _customers.UpsertAsync("acme", null, null, null);
        await _store.SwitchAsync("acme", UpstreamKeyStore.ExpectNone, "c1", UpstreamKeySources.Provisioned, "dg-1");
        await _store.SwitchAsync("acme", null, null, null, null);

        await _store.ForgetRetiredAsync("acme", "dg-1");

        Assert.DoesNotContain("acme", await _store.CustomersWithRetiringKeysAsync());
    }

    [Fact]
    public async Task The_history_keeps_the_keys_that_ended_last()
    {
        await _customers.UpsertAsync("acme", null, null, null);
        for (var i = 0; i < 105; i++)
        {
            await _store.SwitchAsync("acme", null, $"c{i}", UpstreamKeySources.Provisioned, $"dg-{i}");
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var history = await _store.HistoryAsync("acme");

        Assert.Equal(100, history.Count);
        Assert.Equal("dg-5", history[0].DeepgramKeyId);
        Assert.Equal(("dg-104", (long?)null), (history[^1].DeepgramKeyId, history[^1].ToMs));
    }
}
