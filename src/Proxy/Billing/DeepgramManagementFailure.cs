namespace Proxy.Billing;

/// <summary>Why a call to Deepgram's management API failed, as the admin API answers it.</summary>
internal enum DeepgramManagementFailure
{
    /// <summary>Deepgram failed, could not be reached, or answered something unexpected (502 <c>deepgram_unavailable</c>).</summary>
    Unavailable,

    /// <summary>Deepgram refused <c>Deepgram:ManagementKey</c>: 401 or 403 (502 <c>deepgram_management_refused</c>).</summary>
    Refused,

    /// <summary>Deepgram still answered 429 when the retries ran out (503 <c>deepgram_rate_limited</c> with its
    /// <c>Retry-After</c>).</summary>
    RateLimited,
}
