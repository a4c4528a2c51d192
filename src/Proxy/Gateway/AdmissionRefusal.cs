namespace Proxy.Gateway;

/// <summary>Why an admission step turned a client away: the HTTP status and the JSON error it gets (see
/// <see cref="ProxyErrors"/>), with the headers that tell it what to do next.</summary>
internal sealed record AdmissionRefusal(int StatusCode, string Error, string Message)
{
    /// <summary>The proxy key the client presented, when it is known (logged by id, never by secret).</summary>
    public string? KeyId { get; init; }

    /// <summary>Seconds after which retrying may succeed (<c>Retry-After</c>).</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>Extra response headers (e.g. the WebSocket version the proxy speaks).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
}
