using Proxy.Runtime;

namespace Proxy.Gateway;

/// <summary>
/// What an admission step answers when it needs Redis and cannot ask it, by <c>Storage:FailureMode</c>: under
/// fail_open nothing (the step goes on without Redis's answer, each in its own way), under fail_closed 503
/// <c>not_ready</c>. One rule for every step, so the two modes mean the same thing wherever Redis is asked.
/// </summary>
internal static class StorageUnreachable
{
    /// <summary>The refusal under fail_closed; null under fail_open.</summary>
    public static AdmissionRefusal? Refusal(ProxyReadiness readiness, string keyId) =>
        readiness.FailOpen
            ? null
            : new AdmissionRefusal(StatusCodes.Status503ServiceUnavailable, "not_ready", "The proxy cannot reach its storage; retry shortly.") { KeyId = keyId };
}
