
namespace Proxy.Tunnel;

/// <summary>Binds the <c>Upstream</c> configuration section: where sessions go and with which Deepgram key.</summary>
internal sealed class UpstreamOptions
{
    public const string SectionName = "Upstream";

    /// <summary>Base URL of Deepgram's agent API (or the emulator); the client's path is appended.</summary>
    public string Url { get; set; } = "wss://agent.deepgram.com";

    /// <summary>Other base URLs customers may be pinned to (their <c>upstream_url</c> setting), e.g. Deepgram's EU
    /// endpoint; <see cref="Url"/> is always allowed.</summary>
    public string[] AllowedUrls { get; set; } = [];

    /// <summary>The Deepgram key used for customers without their own. Falls back to env <c>DEEPGRAM_API_KEY</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Time allowed for TCP + TLS + the upgrade response before the client gets a 502.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the session's open instant is the kernel's receive time of the segment carrying the 101
    /// (Linux, <c>SO_TIMESTAMPNS</c>); off, it is when the proxy's code read it, which is late when many handshakes
    /// compete for the cores. On by default; off only to compare the two.</summary>
    public bool KernelReceiveTimestamps { get; set; } = true;

    /// <summary>
    /// The cut-off for a tunnel that moves no frame at all, either way: the session sweep closes it as idle, whatever
    /// the customer's idle settings (YARP also applies it to the upgrade handshake). Only a backstop: keep it above
    /// any idle timeout a customer may have so the customer's idle policy (with its warning) acts first.
    /// </summary>
    public TimeSpan ActivityTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The upstream base URL in the http(s) form the forwarder takes.</summary>
    public string HttpBaseUrl() => ToHttpBaseUrl(Url);

    /// <summary>An upstream base URL (ws, wss, http or https) in the http(s) form the forwarder takes.</summary>
    public static string ToHttpBaseUrl(string url)
    {
        var uri = new Uri(url);
        var scheme = uri.Scheme switch
        {
            "wss" or "https" => "https",
            _ => "http",
        };
        return new UriBuilder(uri) { Scheme = scheme, Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri.ToString().TrimEnd('/');
    }
}
