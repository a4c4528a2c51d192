namespace Proxy.Customers;

/// <summary>
/// The Deepgram (or emulator) base URL a customer's sessions go to instead of <c>Upstream:Url</c>, e.g. Deepgram's EU
/// endpoint, in one normal form so a pin and an allowlist entry compare as text: lower-case scheme and host, the
/// scheme's default port left out, no trailing slash. An http(s) URL is the same place as its ws(s) twin.
/// </summary>
internal readonly record struct PinnedUpstreamUrl(string Url)
{
    /// <summary>A base URL in its normal form: absolute ws:// or wss:// (http:// and https:// too when
    /// <paramref name="allowHttp"/>, written as ws:// and wss://), a host, no user info, query or fragment.</summary>
    public static bool TryNormalize(string text, bool allowHttp, out PinnedUpstreamUrl url)
    {
        url = default;
        if (text.AsSpan().IndexOfAny('?', '#') >= 0
            || text.AsSpan().IndexOfAny(' ', '\\') >= 0
            || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || uri.Host.Length == 0
            || uri.UserInfo.Length > 0)
        {
            return false;
        }

        var scheme = uri.Scheme switch
        {
            "ws" or "wss" => uri.Scheme,
            "http" when allowHttp => "ws",
            "https" when allowHttp => "wss",
            _ => null,
        };
        if (scheme is null)
        {
            return false;
        }

        var port = uri.IsDefaultPort || (scheme == "ws" && uri.Port == 80) || (scheme == "wss" && uri.Port == 443) ? -1 : uri.Port;
        var normal = new UriBuilder(scheme, uri.Host, port, uri.AbsolutePath).Uri;
        url = new PinnedUpstreamUrl(normal.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/'));
        return true;
    }

    public override string ToString() => Url;
}
