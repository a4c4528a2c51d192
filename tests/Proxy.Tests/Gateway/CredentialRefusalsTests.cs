using System.Net;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Customers;
using Proxy.Gateway;
using Proxy.Telemetry;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Gateway;

/// <summary>The one mapping of a key check's outcome to what the client gets, shared by the agent endpoint and the
/// token grant: status, error, message, and what it costs the client's address.</summary>
public sealed class CredentialRefusalsTests
{
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.9");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
    private readonly IMeterFactory _meters = TestMetrics.NewMeterFactory();
    private readonly AuthFailureLimiter _failures;
    private readonly CredentialRefusals _refusals;

    public CredentialRefusalsTests()
    {
        _failures = new AuthFailureLimiter(Options.Create(new LimitsOptions { AuthFailuresPerMinute = 3 }), _time, NullLogger<AuthFailureLimiter>.Instance);
        _refusals = new CredentialRefusals(_failures, TestMetrics.Create(_meters));
    }

    [Theory]
    [InlineData(nameof(KeyAuthenticationOutcome.RevokedKey), "key_revoked", "The proxy key has been revoked.")]
    [InlineData(nameof(KeyAuthenticationOutcome.ExpiredKey), "key_expired", "The proxy key has expired.")]
    [InlineData(nameof(KeyAuthenticationOutcome.UnknownKey), "invalid_key", "The proxy key is not valid.")]
    public void A_bad_key_is_a_401_counted_against_the_address_and_by_reason(string outcomeName, string error, string message)
    {
        var outcome = Enum.Parse<KeyAuthenticationOutcome>(outcomeName);
        using var failures = new MetricCollector<long>(_meters, ProxyMetrics.MeterName, "dgproxy.auth.failures");

        var refusal = _refusals.ForKey(Client, Result(outcome));

        Assert.Equal((401, error, message, "key_1"), (refusal?.StatusCode, refusal?.Error, refusal?.Message, refusal?.KeyId));
        Assert.Null(_refusals.ForCustomer(Result(outcome)));
        Assert.Equal(error, Assert.Single(failures.GetMeasurementSnapshot()).Tags["reason"]);
        _refusals.ForKey(Client, Result(outcome));
        _refusals.ForKey(Client, Result(outcome));
        Assert.Equal((429, "too_many_auth_failures"), (_refusals.Blocked(Client)?.StatusCode, _refusals.Blocked(Client)?.Error));
    }

    [Fact]
    public void A_disabled_customers_good_key_passes_the_key_check_and_is_a_403_not_counted_against_the_address()
    {
        using var failures = new MetricCollector<long>(_meters, ProxyMetrics.MeterName, "dgproxy.auth.failures");
        var disabled = Result(KeyAuthenticationOutcome.CustomerDisabled);

        Assert.Null(_refusals.ForKey(Client, disabled));
        for (var i = 0; i < 5; i++)
        {
            var refusal = _refusals.ForCustomer(disabled);
            Assert.Equal((403, "customer_disabled", "The customer of this key is disabled.", "key_1"), (refusal?.StatusCode, refusal?.Error, refusal?.Message, refusal?.KeyId));
        }

        Assert.Null(_refusals.Blocked(Client));
        Assert.All(failures.GetMeasurementSnapshot(), m => Assert.Equal("customer_disabled", m.Tags["reason"]));
    }

    [Fact]
    public void An_accepted_key_of_an_enabled_customer_passes_both()
    {
        Assert.Null(_refusals.ForKey(Client, Result(KeyAuthenticationOutcome.Accepted)));
        Assert.Null(_refusals.ForCustomer(Result(KeyAuthenticationOutcome.Accepted)));
    }

    private static KeyAuthenticationResult Result(KeyAuthenticationOutcome outcome) =>
        new(outcome, AdmissionRequests.Key("acme"), AdmissionRequests.Customer(disabled: outcome == KeyAuthenticationOutcome.CustomerDisabled));
}
