namespace Proxy.Telemetry;

/// <summary>The <c>reason</c> label of <c>dgproxy_admission_rejected_total</c> for each error code a client can get.</summary>
internal static class AdmissionRejections
{
    public const string Auth = "auth";
    public const string RateLimited = "rate_limited";
    public const string Concurrency = "concurrency";
    public const string Draining = "draining";
    public const string Storage = "storage";
    public const string Upstream = "upstream";

    /// <summary>Deepgram answered the upgrade 429 (its own limit), passed on to the client.</summary>
    public const string UpstreamRateLimited = "upstream_rate_limited";
    public const string BadRequest = "bad_request";
    public const string Budget = "budget";
    public const string Origin = "origin";

    public static string ReasonFor(string error, bool stopping) => error switch
    {
        "missing_key" or "invalid_key" or "key_revoked" or "key_expired" or "customer_disabled"
            or "invalid_token" or "token_expired" => Auth,
        "too_many_auth_failures" => RateLimited,
        "concurrency_limit" or "instance_full" or "upstream_concurrency_limit" => Concurrency,
        "budget_exhausted" => Budget,
        "origin_not_allowed" => Origin,
        "upstream_rate_limited" => UpstreamRateLimited,
        "not_ready" => stopping ? Draining : Storage,
        "websocket_required" or "unsupported_websocket_version" or "invalid_websocket_key" => BadRequest,
        _ => Upstream,
    };
}
