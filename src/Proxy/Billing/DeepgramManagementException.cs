namespace Proxy.Billing;

/// <summary>Why a call to Deepgram's keys API did not do what was asked; the admin API maps each to its answer.</summary>
internal enum DeepgramManagementFailure
{
    /// <summary><c>Deepgram:ProjectId</c> and <c>Deepgram:ManagementKey</c> are not set.</summary>
    NotConfigured,

    /// <summary>Deepgram refused the management key (401/403) or the request (another 4xx).</summary>
    Refused,

    /// <summary>Deepgram answered 429; <see cref="DeepgramManagementException.RetryAfter"/> says when to try again.</summary>
    RateLimited,

    /// <summary>5xx, no answer in time, unreachable, or an answer in another shape.</summary>
    Unavailable,
}

/// <summary>Deepgram's keys API refused or failed a call; the message says what Deepgram answered and never holds a
/// secret.</summary>
internal sealed class DeepgramManagementException(DeepgramManagementFailure failure, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public DeepgramManagementFailure Failure { get; } = failure;

    public TimeSpan? RetryAfter { get; } = retryAfter;
}
