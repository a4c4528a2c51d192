using System.Globalization;
using System.Net;

namespace Proxy.Gateway;

/// <summary>
/// What the client is answered when Deepgram refuses the upgrade. Deepgram's 429 (its concurrency or rate limit) is
/// passed on as 429 with its <c>Retry-After</c>, so the client's own back-off works as it would against Deepgram;
/// every other status is the proxy's 502. Deepgram's body and other headers never reach the client.
/// </summary>
internal sealed record UpstreamRefusalAnswer(int StatusCode, string Error, string Message, int UpstreamStatus, string? RetryAfter)
{
    public const string RateLimited = "upstream_rate_limited";
    public const string Refused = "upstream_refused";

    public static UpstreamRefusalAnswer For(HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        if (response.StatusCode != HttpStatusCode.TooManyRequests)
        {
            return new(StatusCodes.Status502BadGateway, Refused, $"The agent API refused the session with HTTP {status}.", status, null);
        }

        return new(StatusCodes.Status429TooManyRequests, RateLimited, "The agent API is rate limiting new sessions; retry later.", status, RetryAfterOf(response));
    }

    // Re-rendered from the parsed value rather than copied: a malformed header (or one smuggling another line) is
    // dropped, not passed on.
    private static string? RetryAfterOf(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } when delta >= TimeSpan.Zero => ((long)delta.TotalSeconds).ToString(CultureInfo.InvariantCulture),
        { Date: { } date } => date.ToString("r", CultureInfo.InvariantCulture),
        _ => null,
    };
}
