using Microsoft.Extensions.Options;

namespace Proxy.Tunnel;

/// <summary>
/// The one HTTP client every session's upgrade goes through: one HTTP/1.1 connection per session, no proxy, no
/// cookies, no redirects, no decompression, and no trace headers (nothing of ours leaks to Deepgram but the key):
/// exactly the request's headers go out (<see cref="UpstreamUpgradeHandler"/>).
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    public UpstreamClient(IOptions<UpstreamOptions> options, TimeProvider time)
    {
        if (options.Value.KernelReceiveTimestamps)
        {
            // Before the first session, so its 101 finds the kernel stamping already.
            KernelStampedSocketStream.KeepStampingOn();
        }

        Invoker = new HttpMessageInvoker(new UpstreamObserverHandler(new UpstreamUpgradeHandler(time, kernelReceiveTimestamps: options.Value.KernelReceiveTimestamps), options.Value.ConnectTimeout, time), disposeHandler: true);
        BaseUrl = options.Value.HttpBaseUrl();
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>The upstream base URL in http(s) form; the client's path is appended.</summary>
    public string BaseUrl { get; }

    public void Dispose() => Invoker.Dispose();
}
