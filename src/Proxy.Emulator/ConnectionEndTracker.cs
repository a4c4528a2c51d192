using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Proxy.Emulator;

/// <summary>
/// Ends a connection's record when Kestrel tears the TCP connection down, not when the WebSocket handler returns:
/// the socket outlives the handler by the pipeline's unwinding, and that time is connection time too. This is the
/// measurement the proxy's record is compared with, so it must be the upstream's true view.
/// </summary>
internal static class ConnectionEndTracker
{
    private static readonly object RecordKey = new();

    public static void UseConnectionEndTracking(this KestrelServerOptions options, TimeProvider time) =>
        options.ConfigureEndpointDefaults(listen => listen.Use(next => async connection =>
        {
            var peerEnd = new PeerEndStamp(time);
            connection.Transport = new PeerEndObservingPipe(connection.Transport, peerEnd);
            try
            {
                await next(connection);
            }
            finally
            {
                if (connection.Items.TryGetValue(RecordKey, out var value) && value is ConnectionRecord record)
                {
                    // The peer's FIN or reset, as the transport saw it, when it came first.
                    if (peerEnd.TryGet(out var timestamp, out var at))
                    {
                        record.MarkPeerGone(time.GetElapsedTime(record.AcceptedTimestamp, timestamp), at);
                    }

                    record.MarkConnectionEnded(time.GetElapsedTime(record.AcceptedTimestamp), time.GetUtcNow());
                }
            }
        }));

    /// <summary>Ties the record to the connection; returns false when the server offers no connection items
    /// (then the caller ends the record itself).</summary>
    public static bool Attach(HttpContext context, ConnectionRecord record)
    {
        if (context.Features.Get<IConnectionItemsFeature>() is not { } items)
        {
            return false;
        }

        items.Items[RecordKey] = record;
        return true;
    }
}
