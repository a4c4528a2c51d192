using System.Net;
using Proxy.Customers;
using Proxy.Telemetry;

namespace Proxy.Gateway;

/// <summary>
/// What a client that presents a proxy key (or a token minted by one) is told, wherever it presents it: the agent
/// endpoint's credential and customer steps and <c>POST /v1/auth/grant</c>. One place for the key check's outcome →
/// status, error and message, and for what a refusal costs: a 401 counts against the client's address
/// (<see cref="AuthFailureLimiter"/>) and every refusal is counted by reason (<c>dgproxy_auth_failures_total</c>).
/// </summary>
internal sealed class CredentialRefusals
{
    private readonly AuthFailureLimiter _failures;
    private readonly ProxyMetrics _metrics;

    public CredentialRefusals(AuthFailureLimiter failures, ProxyMetrics metrics)
    {
        _failures = failures;
        _metrics = metrics;
    }

    /// <summary>The key could not be looked up: Redis is unreachable (and no answer may come from memory).</summary>
    public static AdmissionRefusal StorageUnavailable { get; } = new(StatusCodes.Status503ServiceUnavailable, "not_ready", "The proxy cannot reach its storage to check the key; retry shortly.");

    /// <summary>429 while the address is over its failed-check limit: its key is not looked at.</summary>
    public AdmissionRefusal? Blocked(IPAddress? remote) =>
        _failures.IsBlocked(remote, out var retryAfter)
            ? new AdmissionRefusal(StatusCodes.Status429TooManyRequests, "too_many_auth_failures", "Too many failed key checks from this address; retry later.")
            {
                RetryAfterSeconds = (int)Math.Ceiling(retryAfter.TotalSeconds),
            }
            : null;

    /// <summary>A 401: counted against the address and by reason.</summary>
    public AdmissionRefusal Unauthorized(IPAddress? remote, string error, string message, string? keyId)
    {
        _failures.RecordFailure(remote);
        _metrics.AuthFailed(error);
        return new AdmissionRefusal(StatusCodes.Status401Unauthorized, error, message) { KeyId = keyId };
    }

    /// <summary>The key itself: null when it is good (its customer may still be disabled: <see cref="ForCustomer"/>),
    /// else 401 <c>key_revoked</c>, <c>key_expired</c> or <c>invalid_key</c>.</summary>
    public AdmissionRefusal? ForKey(IPAddress? remote, KeyAuthenticationResult auth) => auth.Outcome switch
    {
        KeyAuthenticationOutcome.Accepted or KeyAuthenticationOutcome.CustomerDisabled => null,
        KeyAuthenticationOutcome.RevokedKey => Unauthorized(remote, "key_revoked", "The proxy key has been revoked.", auth.Key?.KeyId),
        KeyAuthenticationOutcome.ExpiredKey => Unauthorized(remote, "key_expired", "The proxy key has expired.", auth.Key?.KeyId),
        _ => Unauthorized(remote, "invalid_key", "The proxy key is not valid.", auth.Key?.KeyId),
    };

    /// <summary>A good key of a disabled customer: 403 <c>customer_disabled</c>, counted but not against the address
    /// (the key is genuine, nobody is guessing).</summary>
    public AdmissionRefusal? ForCustomer(KeyAuthenticationResult auth)
    {
        if (auth.Outcome != KeyAuthenticationOutcome.CustomerDisabled)
        {
            return null;
        }

        _metrics.AuthFailed("customer_disabled");
        return new AdmissionRefusal(StatusCodes.Status403Forbidden, "customer_disabled", "The customer of this key is disabled.") { KeyId = auth.Key?.KeyId };
    }
}
