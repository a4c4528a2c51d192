using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>
/// Shapes the upgrade request Deepgram sees and the answer the client sees. Upstream gets only what the handshake
/// needs (and the SDK's session id header) plus the Deepgram key (in the header and, for subprotocol clients, in the subprotocol, so neither place ever
/// carries the proxy key). No X-Forwarded-*, no client headers, no compression extension (frames must stay
/// readable). The client is answered the subprotocol <c>token</c>, never a secret.
/// </summary>
internal sealed class AgentUpstreamTransformer : HttpTransformer
{
    public const string ClientSessionIdQueryParameter = "client_session_id";

    private static readonly HashSet<string> DroppedQueryParameters = new(StringComparer.OrdinalIgnoreCase)
    {
        ClientSessionIdQueryParameter, "token", "key", "api_key", "apikey", "access_token",
    };

    private static readonly string[] ForwardedRequestHeaders =
    [
        HeaderNames.SecWebSocketKey,
        HeaderNames.SecWebSocketVersion,
        HeaderNames.UserAgent,

        // Deepgram's SDKs send it for Deepgram's own support correlation; it carries no secret.
        ClientCredentialParser.DeepgramSessionIdHeader,
    ];

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        var feature = httpContext.Features.GetRequiredFeature<AgentSessionFeature>();
        var request = httpContext.Request;
        foreach (var name in ForwardedRequestHeaders)
        {
            if (request.Headers.TryGetValue(name, out var value))
            {
                proxyRequest.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
            }
        }

        proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Authorization, "Token " + feature.UpstreamApiKey);
        // Upstream the gateway always presents its Deepgram key, so a client's `bearer` offer becomes `token` there.
        if (feature.Credentials.OfferedCredentialSubprotocol)
        {
            proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.SecWebSocketProtocol, ClientCredentialParser.TokenScheme + ", " + feature.UpstreamApiKey);
        }

        proxyRequest.RequestUri = new Uri(destinationPrefix + request.PathBase + request.Path + UpstreamQuery(request.QueryString));
        proxyRequest.Options.Set(UpstreamObserverHandler.TunnelOption, feature.Session.Tunnel);
        return default;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            // The upstream was not reached; the endpoint answers once the forwarder reports the error.
            return false;
        }

        if (proxyResponse.StatusCode == HttpStatusCode.SwitchingProtocols)
        {
            await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken).ConfigureAwait(false);
            var headers = httpContext.Response.Headers;
            headers.Remove(HeaderNames.SecWebSocketExtensions);
            headers.Remove(HeaderNames.SecWebSocketProtocol);
            if (httpContext.Features.GetRequiredFeature<AgentSessionFeature>().Credentials.AnsweredSubprotocol is { } answered)
            {
                headers[HeaderNames.SecWebSocketProtocol] = answered;
            }

            return true;
        }

        // The upstream refused the session: the client learns why (UpstreamRefusalAnswer), but never sees Deepgram's body
        // or its other headers.
        httpContext.Response.Headers.Clear();
        var responseFeature = httpContext.Features.Get<IHttpResponseFeature>();
        if (responseFeature is not null)
        {
            responseFeature.ReasonPhrase = null;
        }

        var answer = UpstreamRefusalAnswer.For(proxyResponse);
        if (answer.RetryAfter is { } retryAfter)
        {
            httpContext.Response.Headers.RetryAfter = retryAfter;
        }

        await ProxyErrors.WriteAsync(httpContext, answer.StatusCode, answer.Error, answer.Message, answer.UpstreamStatus).ConfigureAwait(false);
        return false;
    }

    /// <summary>The client's query string as it came (Deepgram reads options there), minus the proxy's own
    /// <c>client_session_id</c> and anything that looks like a credential: a key put in the URL by mistake must
    /// not travel on to Deepgram.</summary>
    internal static string UpstreamQuery(QueryString queryString)
    {
        var raw = queryString.Value;
        if (string.IsNullOrEmpty(raw) || raw.Length < 2)
        {
            return string.Empty;
        }

        var kept = new List<string>();
        foreach (var part in raw[1..].Split('&'))
        {
            var name = part.Split('=', 2)[0];
            if (part.Length > 0 && !DroppedQueryParameters.Contains(Uri.UnescapeDataString(name)))
            {
                kept.Add(part);
            }
        }

        return kept.Count == 0 ? string.Empty : "?" + string.Join('&', kept);
    }
}
