using System.Net;

namespace Proxy.Hosting;

/// <summary>A parsed <c>http://host:port</c> listener address.</summary>
internal sealed record ListenerEndpoint(IPAddress? Address, bool Localhost, int Port)
{
    public static bool TryParse(string? url, out ListenerEndpoint endpoint, out string error)
    {
        endpoint = new ListenerEndpoint(IPAddress.Any, false, 0);
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(url))
        {
            error = "is empty";
            return false;
        }

        // Kestrel's wildcard hosts are not valid URI hosts; read them as "any address".
        var normalized = url.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            error = $"must be an http://host:port URL (got \"{url}\"); terminate TLS in front of the proxy";
            return false;
        }

        if (uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            error = $"must be just http://host:port, without path, query, fragment or user info (got \"{url}\")";
            return false;
        }

        if (string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            endpoint = new ListenerEndpoint(null, true, uri.Port);
            return true;
        }

        if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address))
        {
            error = $"host must be an IP address, localhost, * or + (got \"{uri.Host}\")";
            return false;
        }

        endpoint = new ListenerEndpoint(address, false, uri.Port);
        return true;
    }
}
