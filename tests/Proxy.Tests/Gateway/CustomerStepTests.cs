using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Gateway;
using Proxy.Sessions;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Gateway;

public sealed class CustomerStepTests
{
    private readonly CustomerStep _step = new(
        new SessionPolicyResolver(new TestOptionsMonitor<SessionControlOptions>(new SessionControlOptions { MaxConcurrentSessionsPerCustomer = 5 })),
        new CredentialRefusals(new AuthFailureLimiter(Options.Create(new LimitsOptions()), TimeProvider.System, NullLogger<AuthFailureLimiter>.Instance), TestMetrics.Create()));

    [Fact]
    public async Task An_enabled_customer_passes_with_its_settings_over_the_defaults_as_the_session_rules()
    {
        var customer = AdmissionRequests.Customer() with { Settings = CustomerSettings.FromHash(new Dictionary<string, string> { ["settings.max_concurrent_sessions"] = "2" }) };
        var request = AdmissionRequests.Authenticated(customer);

        Assert.Null(await _step.RunAsync(request));
        Assert.Equal(2, request.Policy?.MaxConcurrentSessions);
    }

    [Fact]
    public async Task A_customer_without_settings_gets_the_defaults()
    {
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer());
        Assert.Null(await _step.RunAsync(request));
        Assert.Equal(5, request.Policy?.MaxConcurrentSessions);
    }

    [Fact]
    public async Task A_disabled_customer_gets_403_customer_disabled_with_the_key_id()
    {
        var request = AdmissionRequests.Authenticated(AdmissionRequests.Customer(disabled: true), outcome: KeyAuthenticationOutcome.CustomerDisabled);
        var refusal = await _step.RunAsync(request);
        Assert.Equal((403, "customer_disabled", "key_1"), (refusal?.StatusCode, refusal?.Error, refusal?.KeyId));
        Assert.Null(request.Policy);
    }
}
