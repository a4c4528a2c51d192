namespace Proxy.Billing;

/// <summary>One entry of Deepgram's requests list (<c>GET /v1/projects/{id}/requests</c>), as reconciliation reads it.
/// <paramref name="DurationMs"/> is <c>response.details.duration</c> (seconds there) in whole milliseconds, or null
/// when Deepgram's entry carries no duration.</summary>
internal sealed record DeepgramRequest(string RequestId, long CreatedMs, string? Path, string? ApiKeyId, long? DurationMs);
