using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Billing;
using Proxy.Customers;
using Proxy.Storage;
using Proxy.Telemetry;
using Proxy.Tests.Customers;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Billing;

/// <summary>Provision, rotate and retirement of customers' own Deepgram keys: Deepgram's keys API in memory, a real
/// redis-server (each test its own prefix).</summary>
public sealed class UpstreamKeyLifecycleTests : IClassFixture<UpstreamKeyReEncryptionTests.Redis>, IDisposable
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_796_083_200_000));
    private readonly FakeDeepgramKeysApi _deepgram = new();
    private readonly UpstreamKeyProtector _protector = new(Options.Create(new SecretsOptions { MasterKey = Convert.ToBase64String(new byte[32]) }));
    private readonly IMeterFactory _meters = TestMetrics.NewMeterFactory();
    private readonly CustomerStore _customers;
    private readonly UpstreamKeyStore _store;
    private readonly SessionLeaseStore _leases;
    private readonly UpstreamKeyProvisioning _provisioning;
    private readonly UpstreamKeyRetirement _retirement;

    public UpstreamKeyLifecycleTests(UpstreamKeyReEncryptionTests.Redis redis)
    {
        var keys = new RedisKeys($"t{Guid.NewGuid():N}:");
        var connection = redis.Server.Connection!;
        _customers = new CustomerStore(connection, keys, _time);
        _store = new UpstreamKeyStore(connection, keys, _time);
        _leases = new SessionLeaseStore(connection, keys, new LiveCustomerIndex(connection, keys), NullLogger<SessionLeaseStore>.Instance);
        var options = new TestOptionsMonitor<DeepgramOptions>(FakeDeepgramKeysApi.Options());
        var client = new DeepgramKeysClient(_deepgram.Factory(), options);
        _provisioning = new UpstreamKeyProvisioning(client, _customers, _store, _protector, _time, NullLogger<UpstreamKeyProvisioning>.Instance);
        _retirement = new UpstreamKeyRetirement(_store, _leases, client, options, TestMetrics.Create(_meters), _time, NullLogger<UpstreamKeyRetirement>.Instance);
    }

    public void Dispose() => _deepgram.Dispose();

    [Fact]
    public async Task Provision_stores_deepgrams_new_key_encrypted_with_its_id_and_a_second_provision_is_refused()
    {
        await _customers.UpsertAsync("acme", null, null, null);

        var change = await _provisioning.ProvisionAsync("acme", CancellationToken.None);

        Assert.Equal((UpstreamKeyChangeOutcome.Done, "dg-key-1", null), (change.Outcome, change.DeepgramKeyId, change.RetiredDeepgramKeyId));
        var (customer, stored) = await _customers.GetWithUpstreamKeyAsync("acme");
        Assert.Equal((UpstreamKeySources.Provisioned, "dg-key-1"), (customer!.UpstreamKeySource, customer.DeepgramKeyId));
        Assert.DoesNotContain("dg-secret-1", stored!, StringComparison.Ordinal);
        Assert.Equal("dg-secret-1", _protector.Unprotect("acme", stored!));

        Assert.Equal(UpstreamKeyChangeOutcome.AlreadyHasKey, (await _provisioning.ProvisionAsync("acme", CancellationToken.None)).Outcome);
        Assert.Single(_deepgram.Keys);
        Assert.Equal(UpstreamKeyChangeOutcome.NotFound, (await _provisioning.ProvisionAsync("nobody", CancellationToken.None)).Outcome);
        Assert.Equal(UpstreamKeyChangeOutcome.NotFound, (await _provisioning.RotateAsync("nobody", CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Rotate_without_a_key_is_refused_and_creates_nothing()
    {
        await _customers.UpsertAsync("acme", null, null, null);

        Assert.Equal(UpstreamKeyChangeOutcome.NoKey, (await _provisioning.RotateAsync("acme", CancellationToken.None)).Outcome);
        Assert.Empty(_deepgram.Requests);
    }

    [Fact]
    public async Task A_key_created_for_a_customer_whose_key_changed_meanwhile_is_deleted_at_deepgram_again()
    {
        await _customers.UpsertAsync("acme", null, null, null);
        await _provisioning.ProvisionAsync("acme", CancellationToken.None);

        // A PUT lands between the rotation's read and its switch: the rotation's compare-and-set loses.
        var racing = new AfterCreate(_deepgram, () => _store.SwitchAsync("acme", null, _protector.Protect("acme", "put-key"), UpstreamKeySources.Set, null));
        var options = new TestOptionsMonitor<DeepgramOptions>(FakeDeepgramKeysApi.Options());
        var provisioning = new UpstreamKeyProvisioning(
            new DeepgramKeysClient(new SingleClientFactory(racing), options), _customers, _store, _protector, _time, NullLogger<UpstreamKeyProvisioning>.Instance);

        var change = await provisioning.RotateAsync("acme", CancellationToken.None);

        Assert.Equal(UpstreamKeyChangeOutcome.Changed, change.Outcome);
        Assert.Equal(["dg-key-1"], _deepgram.Keys.Keys);
        Assert.Equal(HttpMethod.Delete, _deepgram.Requests[^1].Method);
        Assert.Equal("https://dg.test/v1/projects/proj-1/keys/dg-key-2", _deepgram.Requests[^1].Url);
        Assert.Equal(UpstreamKeySources.Set, (await _customers.GetAsync("acme"))!.UpstreamKeySource);
    }

    [Fact]
    public async Task A_rotated_out_key_is_deleted_only_after_the_sessions_opened_before_the_switch_have_ended()
    {
        await _customers.UpsertAsync("acme", null, null, null);
        await _provisioning.ProvisionAsync("acme", CancellationToken.None);
        var before = SessionOpenedAt(_time.GetUtcNow() - TimeSpan.FromSeconds(1));
        await _leases.TryAcquireAsync("acme", before, TimeSpan.FromMinutes(10), 0);

        var rotation = await _provisioning.RotateAsync("acme", CancellationToken.None);
        Assert.Equal((UpstreamKeyChangeOutcome.Done, "dg-key-2", "dg-key-1"), (rotation.Outcome, rotation.DeepgramKeyId, rotation.RetiredDeepgramKeyId));

        // Within the grace nothing goes, whatever runs.
        Assert.Equal(0, await _retirement.RunAsync(CancellationToken.None));
        _time.Advance(Grace + TimeSpan.FromSeconds(1));
        var after = SessionOpenedAt(_time.GetUtcNow());
        await _leases.TryAcquireAsync("acme", after, TimeSpan.FromMinutes(10), 0);

        // The session opened before the switch still runs: the old key stays.
        Assert.Equal(0, await _retirement.RunAsync(CancellationToken.None));
        Assert.Contains("dg-key-1", _deepgram.Keys.Keys);

        // It ended; the one opened after the switch (on the new key) does not hold the old one back.
        await _leases.ReleaseAsync("acme", before);
        Assert.Equal(1, await _retirement.RunAsync(CancellationToken.None));
        Assert.Equal(["dg-key-2"], _deepgram.Keys.Keys);
        Assert.Empty(await _store.RetiringAsync("acme"));
        Assert.Equal(0, await _retirement.RunAsync(CancellationToken.None));
        Assert.DoesNotContain("acme", await _store.CustomersWithRetiringKeysAsync());
    }

    [Fact]
    public async Task A_failed_deletion_is_counted_kept_and_done_by_a_later_pass_and_a_key_already_gone_counts_as_deleted()
    {
        using var deletions = new MetricCollector<long>(_meters, ProxyMetrics.MeterName, "dgproxy.deepgram.key.deletions");
        await _customers.UpsertAsync("acme", null, null, null);
        await _provisioning.ProvisionAsync("acme", CancellationToken.None);
        await _provisioning.RotateAsync("acme", CancellationToken.None);
        await _store.SwitchAsync("acme", null, null, null, null);
        _deepgram.Keys.Remove("dg-key-2");
        _time.Advance(Grace);

        _deepgram.Failure = () => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(0, await _retirement.RunAsync(CancellationToken.None));
        Assert.Equal(2, (await _store.RetiringAsync("acme")).Count);
        Assert.Equal(2, deletions.GetMeasurementSnapshot().Where(m => (string?)m.Tags["result"] == "failed").Sum(m => m.Value));

        _deepgram.Failure = null;
        Assert.Equal(2, await _retirement.RunAsync(CancellationToken.None));
        Assert.Empty(_deepgram.Keys);
        Assert.Empty(await _store.RetiringAsync("acme"));
        Assert.Equal(2, deletions.GetMeasurementSnapshot().Where(m => (string?)m.Tags["result"] == "deleted").Sum(m => m.Value));
    }

    [Fact]
    public async Task A_key_whose_storing_cannot_be_confirmed_is_never_deleted_blindly()
    {
        await using var redis = await RedisServer.StartAsync();
        var keys = new RedisKeys("t:");
        var customers = new CustomerStore(redis.Connection!, keys, _time);
        await customers.UpsertAsync("acme", null, null, null);

        // Redis goes away between Deepgram's answer and the switch: whether the key is the customer's is unknown.
        var killing = new AfterCreate(_deepgram, redis.KillAsync);
        var provisioning = new UpstreamKeyProvisioning(
            new DeepgramKeysClient(new SingleClientFactory(killing), new TestOptionsMonitor<DeepgramOptions>(FakeDeepgramKeysApi.Options())),
            customers, new UpstreamKeyStore(redis.Connection!, keys, _time), _protector, _time, NullLogger<UpstreamKeyProvisioning>.Instance);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => provisioning.ProvisionAsync("acme", CancellationToken.None));

        Assert.True(StorageFailures.IsRedisFailure(thrown), thrown.ToString());
        Assert.Equal(["dg-key-1"], _deepgram.Keys.Keys);
        Assert.DoesNotContain(_deepgram.Requests, r => r.Method == HttpMethod.Delete);
    }

    private static string SessionOpenedAt(DateTimeOffset at) => Guid.CreateVersion7(at).ToString();

    /// <summary>Runs <paramref name="then"/> right after Deepgram created a key, before the gateway stores it.</summary>
    private sealed class AfterCreate(FakeDeepgramKeysApi api, Func<Task> then) : DelegatingHandler(api)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Post)
            {
                await then();
            }

            return response;
        }
    }

    private sealed class SingleClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }
}
