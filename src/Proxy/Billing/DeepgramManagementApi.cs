using System.Net.Http.Headers;

namespace Proxy.Billing;

/// <summary>
/// What every call to Deepgram's management API shares: the named <see cref="HttpClient"/> (retries, if any, are that
/// client's handlers' business), the project's URLs under <see cref="DeepgramOptions.ApiUrl"/> and the
/// <c>Token</c> authorization with <see cref="DeepgramOptions.ManagementKey"/>.
/// </summary>
internal static class DeepgramManagementApi
{
    public const string HttpClientName = "deepgram-management";

    /// <summary><c>&lt;ApiUrl&gt;/v1/projects/&lt;ProjectId&gt;/&lt;relative&gt;</c>; <paramref name="relative"/> is already escaped.</summary>
    public static Uri ProjectUrl(DeepgramOptions options, string relative) =>
        new(options.ApiUrl, $"/v1/projects/{Uri.EscapeDataString(options.ProjectId!)}/{relative}");

    /// <summary>A request carrying the management key (never logged: only the header holds it).</summary>
    public static HttpRequestMessage NewRequest(DeepgramOptions options, HttpMethod method, Uri url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Token", options.ManagementKey);
        return request;
    }
}
