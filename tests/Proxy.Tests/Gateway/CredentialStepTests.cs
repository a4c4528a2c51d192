using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Customers;
using Proxy.Gateway;
using Proxy.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Gateway;

public sealed class CredentialStepTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
    private readonly FakeAuthenticator _authenticator = new();
    private readonly AuthFailureLimiter _failures;
    private readonly CredentialStep _step;
    private readonly AccessTokenIssuer _issuer;

    public CredentialStepTests()
    {
        _failures = new AuthFailureLimiter(Options.Create(new LimitsOptions { AuthFailuresPerMinute = 2 }), _time, NullLogger<AuthFailureLimiter>.Instance);
        var signingKey = new AccessTokenSigningKey(Options.Create(new SecretsOptions { MasterKey = Convert.ToBase64String(new byte[32]) }));
        _issuer = new AccessTokenIssuer(signingKey, _time);
        _step = new CredentialStep(new CredentialRefusals(_failures, TestMetrics.Create()), _authenticator, new AccessTokenValidator(signingKey, _time), NullLogger<CredentialStep>.Instance);
    }

    [Fact]
    public async Task An_accepted_key_passes_with_its_credentials_and_customer()
    {
        var customer = AdmissionRequests.Customer();
        _authenticator.Answer = new KeyAuthenticationResult(KeyAuthenticationOutcome.Accepted, AdmissionRequests.Key("acme"), customer);
        var request = WithKey("dgp_good");

        Assert.Null(await _step.RunAsync(request));
        Assert.Equal("dgp_good", _authenticator.Presented);
        Assert.Equal("dgp_good", request.Credentials?.Secret);
        Assert.Same(customer, request.Customer);
    }

    [Fact]
    public async Task No_key_gets_401_missing_key_and_counts_as_a_failed_check()
    {
        var refusal = await _step.RunAsync(AdmissionRequests.Upgrade());
        Assert.Equal((401, "missing_key"), (refusal?.StatusCode, refusal?.Error));
        Assert.Null(_authenticator.Presented);

        await _step.RunAsync(AdmissionRequests.Upgrade());
        Assert.True(_failures.IsBlocked(AdmissionRequests.Client, out _));
    }

    [Theory]
    [InlineData(nameof(KeyAuthenticationOutcome.RevokedKey), "key_revoked")]
    [InlineData(nameof(KeyAuthenticationOutcome.ExpiredKey), "key_expired")]
    [InlineData(nameof(KeyAuthenticationOutcome.UnknownKey), "invalid_key")]
    [InlineData(nameof(KeyAuthenticationOutcome.UnknownCustomer), "invalid_key")]
    public async Task A_refused_key_gets_401_with_its_reason_and_the_key_id_when_known(string outcomeName, string error)
    {
        var outcome = Enum.Parse<KeyAuthenticationOutcome>(outcomeName);
        _authenticator.Answer = new KeyAuthenticationResult(outcome, outcome == KeyAuthenticationOutcome.UnknownKey ? null : AdmissionRequests.Key("acme"));
        var refusal = await _step.RunAsync(WithKey("dgp_bad"));
        Assert.Equal((401, error), (refusal?.StatusCode, refusal?.Error));
        Assert.Equal(outcome == KeyAuthenticationOutcome.UnknownKey ? null : "key_1", refusal?.KeyId);
    }

    [Fact]
    public async Task A_disabled_customers_key_passes_on_to_the_customer_step_without_counting_as_guessing()
    {
        _authenticator.Answer = new KeyAuthenticationResult(KeyAuthenticationOutcome.CustomerDisabled, AdmissionRequests.Key("acme"), AdmissionRequests.Customer(disabled: true));
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await _step.RunAsync(WithKey("dgp_good")));
        }

        Assert.False(_failures.IsBlocked(AdmissionRequests.Client, out _));
    }

    [Fact]
    public async Task An_address_over_the_limit_gets_429_with_retry_after_before_its_key_is_looked_at()
    {
        _authenticator.Answer = new KeyAuthenticationResult(KeyAuthenticationOutcome.UnknownKey);
        await _step.RunAsync(WithKey("dgp_bad"));
        _time.Advance(TimeSpan.FromSeconds(20));
        await _step.RunAsync(WithKey("dgp_bad"));
        _authenticator.Presented = null;

        var refusal = await _step.RunAsync(WithKey("dgp_good"));
        Assert.Equal((429, "too_many_auth_failures", 40), (refusal?.StatusCode, refusal?.Error, refusal?.RetryAfterSeconds));
        Assert.Null(_authenticator.Presented);
    }

    [Fact]
    public async Task Storage_that_cannot_answer_gets_503_not_ready_and_is_not_a_failed_check()
    {
        _authenticator.Failure = new StorageUnavailableException("down");
        for (var i = 0; i < 3; i++)
        {
            var refusal = await _step.RunAsync(WithKey("dgp_good"));
            Assert.Equal((503, "not_ready"), (refusal?.StatusCode, refusal?.Error));
        }

        Assert.False(_failures.IsBlocked(AdmissionRequests.Client, out _));
    }

    [Fact]
    public async Task A_valid_access_token_passes_as_the_key_that_minted_it()
    {
        var customer = AdmissionRequests.Customer();
        _authenticator.Answer = new KeyAuthenticationResult(KeyAuthenticationOutcome.Accepted, AdmissionRequests.Key("acme"), customer);
        var request = WithBearer(_issuer.Issue(AdmissionRequests.Key("acme"), 30));

        Assert.Null(await _step.RunAsync(request));
        Assert.Equal("key_1", _authenticator.PresentedKeyId);
        Assert.Null(_authenticator.Presented);
        Assert.True(request.Credentials?.IsAccessToken);
        Assert.Same(customer, request.Customer);
    }

    [Fact]
    public async Task An_expired_access_token_gets_401_token_expired_without_asking_for_the_key()
    {
        var request = WithBearer(_issuer.Issue(AdmissionRequests.Key("acme"), 1));
        _time.Advance(TimeSpan.FromSeconds(1) + AccessTokenValidator.ClockSkew);

        var refusal = await _step.RunAsync(request);

        Assert.Equal((401, "token_expired", "key_1"), (refusal?.StatusCode, refusal?.Error, refusal?.KeyId));
        Assert.Null(_authenticator.PresentedKeyId);
    }

    [Fact]
    public async Task A_forged_access_token_gets_401_invalid_token_and_counts_as_a_failed_check()
    {
        var token = _issuer.Issue(AdmissionRequests.Key("acme"), 30);
        var forged = token[..^2] + (token[^2] == 'A' ? "BB" : "AA");

        var refusal = await _step.RunAsync(WithBearer(forged));
        await _step.RunAsync(WithBearer(forged));

        Assert.Equal((401, "invalid_token"), (refusal?.StatusCode, refusal?.Error));
        Assert.Null(_authenticator.PresentedKeyId);
        Assert.True(_failures.IsBlocked(AdmissionRequests.Client, out _));
    }

    [Fact]
    public async Task A_token_of_a_revoked_key_gets_401_key_revoked()
    {
        _authenticator.Answer = new KeyAuthenticationResult(KeyAuthenticationOutcome.RevokedKey, AdmissionRequests.Key("acme"));

        var refusal = await _step.RunAsync(WithBearer(_issuer.Issue(AdmissionRequests.Key("acme"), 30)));

        Assert.Equal((401, "key_revoked"), (refusal?.StatusCode, refusal?.Error));
    }

    [Fact]
    public async Task A_token_whose_customer_is_not_its_keys_gets_401_invalid_token()
    {
        _authenticator.Answer = new KeyAuthenticationResult(KeyAuthenticationOutcome.Accepted, AdmissionRequests.Key("other"), AdmissionRequests.Customer("other"));

        var refusal = await _step.RunAsync(WithBearer(_issuer.Issue(AdmissionRequests.Key("acme"), 30)));

        Assert.Equal((401, "invalid_token"), (refusal?.StatusCode, refusal?.Error));
    }

    [Fact]
    public async Task A_token_of_a_disabled_customer_passes_on_to_the_customer_step()
    {
        _authenticator.Answer = new KeyAuthenticationResult(KeyAuthenticationOutcome.CustomerDisabled, AdmissionRequests.Key("acme"), AdmissionRequests.Customer(disabled: true));
        var request = WithBearer(_issuer.Issue(AdmissionRequests.Key("acme"), 30));

        Assert.Null(await _step.RunAsync(request));
        Assert.Equal(KeyAuthenticationOutcome.CustomerDisabled, request.Authentication?.Outcome);
    }

    private static AdmissionRequest WithBearer(string token) => AdmissionRequests.Upgrade(r => r.Headers.Authorization = "Bearer " + token);

    private static AdmissionRequest WithKey(string key) => AdmissionRequests.Upgrade(r => r.Headers.Authorization = "Token " + key);

    private sealed class FakeAuthenticator : IProxyKeyAuthenticator
    {
        public KeyAuthenticationResult Answer { get; set; } = new(KeyAuthenticationOutcome.UnknownKey);

        public Exception? Failure { get; set; }

        public string? Presented { get; set; }

        public Task<KeyAuthenticationResult> AuthenticateAsync(string secret)
        {
            Presented = secret;
            return Failure is null ? Task.FromResult(Answer) : Task.FromException<KeyAuthenticationResult>(Failure);
        }

        public Task<KeyAuthenticationResult> AuthenticateKeyIdAsync(string keyId)
        {
            PresentedKeyId = keyId;
            return Failure is null ? Task.FromResult(Answer) : Task.FromException<KeyAuthenticationResult>(Failure);
        }

        public string? PresentedKeyId { get; set; }
    }
}
