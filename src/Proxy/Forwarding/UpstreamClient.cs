using System.Net;
using Microsoft.Extensions.Options;
using Proxy.Metering;

namespace Proxy.Forwarding;

/// <summary>
/// The one HTTP client every session's upgrade goes through: HTTP/1.1 only, no proxy, no cookies, no redirects, no
/// decompression, and no trace headers (nothing of ours leaks to Deepgram but the key).
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    public UpstreamClient(IOptions<UpstreamOptions> options, SessionRecorder recorder, TimeProvider time)
    {
        var sockets = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ConnectTimeout = options.Value.ConnectTimeout,
            ActivityHeadersPropagator = null,
            EnableMultipleHttp2Connections = false,
            PlaintextStreamFilter = (context, _) => ValueTask.FromResult<Stream>(new UpstreamConnectionStream(context.PlaintextStream, time)),
        };
        Invoker = new HttpMessageInvoker(new UpstreamObserverHandler(sockets, recorder, time, options.Value.ConnectTimeout), disposeHandler: true);
        BaseUrl = options.Value.HttpBaseUrl();
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>The upstream base URL in http(s) form; the client's path is appended.</summary>
    public string BaseUrl { get; }

    public void Dispose() => Invoker.Dispose();
}
