using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Gateway;

public sealed class UpstreamKeyStepTests
{
    private readonly UpstreamKeyProtector _protector = Protector();

    [Fact]
    public async Task A_customer_with_its_own_key_goes_upstream_with_it_in_clear()
    {
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer(), _protector.Protect("acme", "dg_customer"));
        Assert.Null(await Step(defaultKey: "dg_default").RunAsync(request));
        Assert.Equal("dg_customer", request.UpstreamKey);
    }

    [Fact]
    public async Task A_customer_without_its_own_key_goes_upstream_with_the_default()
    {
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer());
        Assert.Null(await Step(defaultKey: "dg_default").RunAsync(request));
        Assert.Equal("dg_default", request.UpstreamKey);
    }

    [Fact]
    public async Task No_key_at_all_gets_502_upstream_key_missing()
    {
        var refusal = await Step(defaultKey: null).RunAsync(AdmissionRequests.Authenticated(AdmissionRequests.Customer()));
        Assert.Equal((502, "upstream_key_missing", "key_1"), (refusal?.StatusCode, refusal?.Error, refusal?.KeyId));
    }

    [Fact]
    public async Task A_key_sealed_under_another_master_key_gets_502_upstream_key_unreadable_not_the_default()
    {
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer(), Protector().Protect("acme", "dg_customer"));
        var refusal = await Step(defaultKey: "dg_default").RunAsync(request);
        Assert.Equal((502, "upstream_key_unreadable"), (refusal?.StatusCode, refusal?.Error));
        Assert.Null(request.UpstreamKey);
    }

    [Fact]
    public async Task A_key_sealed_for_another_customer_is_unreadable()
    {
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer(), _protector.Protect("other", "dg_customer"));
        var refusal = await Step(defaultKey: "dg_default").RunAsync(request);
        Assert.Equal("upstream_key_unreadable", refusal?.Error);
    }

    [Fact]
    public async Task A_key_sealed_under_a_previous_master_key_goes_upstream_in_clear()
    {
        var old = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var stored = Protector(old).Protect("acme", "dg_customer");
        var rotated = new UpstreamKeyProtector(Options.Create(new SecretsOptions
        {
            MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            PreviousMasterKeys = [old],
        }));
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer(), stored);

        Assert.Null(await new UpstreamKeyStep(rotated, Options.Create(new UpstreamOptions()), NullLogger<UpstreamKeyStep>.Instance).RunAsync(request));
        Assert.Equal("dg_customer", request.UpstreamKey);
    }

    [Fact]
    public async Task A_key_naming_an_unknown_master_key_gets_502_upstream_key_unreadable_and_logs_the_key_id_only()
    {
        var other = Protector();
        var logger = new FakeLogger<UpstreamKeyStep>();
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer(), other.Protect("acme", "dg_customer"));

        var refusal = await new UpstreamKeyStep(_protector, Options.Create(new UpstreamOptions { ApiKey = "dg_default" }), logger).RunAsync(request);

        Assert.Equal((502, "upstream_key_unreadable"), (refusal?.StatusCode, refusal?.Error));
        var line = Assert.Single(logger.Collector.GetSnapshot()).Message;
        Assert.Contains(other.CurrentMasterKeyId, line, StringComparison.Ordinal);
        Assert.DoesNotContain("dg_customer", line, StringComparison.Ordinal);
    }

    private UpstreamKeyStep Step(string? defaultKey) =>
        new(_protector, Options.Create(new UpstreamOptions { ApiKey = defaultKey }), NullLogger<UpstreamKeyStep>.Instance);

    private static UpstreamKeyProtector Protector(string? masterKey = null) =>
        new(Options.Create(new SecretsOptions { MasterKey = masterKey ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
}
