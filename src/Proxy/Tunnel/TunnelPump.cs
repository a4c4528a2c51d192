using System.Buffers;

namespace Proxy.Tunnel;

/// <summary>
/// The tunnel of an upgraded session: one copy loop per direction between the two metered connections, ended the
/// way YARP's forwarder ends an upgraded request's, but run by the session on the connection itself, so nothing of
/// the HTTP request (Kestrel's or YARP's) stays alive while it runs. No activity timer is reset per frame: the
/// session sweep is the backstop for a tunnel that moves nothing (<see cref="UpstreamOptions.ActivityTimeout"/>).
/// </summary>
internal static class TunnelPump
{
    // YARP's copy buffer size; rented only while a read has data, so an idle session holds none.
    private const int BufferSize = 64 * 1024;

    /// <summary>Runs until both directions have finished, then lets go of both connections (upstream first: its
    /// end is the instant billing stops), and says how each direction ended.</summary>
    /// <param name="clientClosed">Fires when the client's connection ends, even with no read pending.</param>
    public static Task<TunnelResult> RunAsync(SessionTunnel tunnel, CancellationToken clientClosed) => RunAsync(
        tunnel.ClientStream ?? throw new InvalidOperationException("The client side is not upgraded."),
        tunnel.UpstreamStream ?? throw new InvalidOperationException("The upstream side is not upgraded."),
        tunnel.Observer,
        clientClosed);

    /// <summary>The pump between any two connections; the client's end (by <paramref name="clientClosed"/>) goes to
    /// <paramref name="observer"/>.</summary>
    public static async Task<TunnelResult> RunAsync(Stream client, Stream upstream, ITunnelObserver observer, CancellationToken clientClosed)
    {
        using var stop = new CancellationTokenSource();

        // The client's end is reported before the pending reads are cancelled, so the upstream's teardown that
        // follows cannot look like the first end.
        using var registration = clientClosed.UnsafeRegister(
            static state =>
            {
                var (observer, stop) = ((ITunnelObserver, CancellationTokenSource))state!;
                observer.OnEnded(TunnelSide.Client);
                stop.Cancel();
            },
            (observer, stop));

        try
        {
            var toUpstream = CopyAsync(client, upstream, stop.Token);
            var toClient = CopyAsync(upstream, client, stop.Token);
            var first = await Task.WhenAny(toUpstream, toClient).ConfigureAwait(false);
            var second = first == toUpstream ? toClient : toUpstream;

            // A failed direction ends the other; so does the upstream's end, which leaves the client's pending read
            // nothing to wait for. A client that finished sending still gets the upstream's last words.
            if (await first.ConfigureAwait(false) != StreamCopyResult.Success || first == toClient)
            {
                await stop.CancelAsync().ConfigureAwait(false);
            }

            await second.ConfigureAwait(false);
            return new TunnelResult(toUpstream.Result, toClient.Result, first == toUpstream ? TunnelSide.Client : TunnelSide.Upstream);
        }
        finally
        {
            await upstream.DisposeAsync().ConfigureAwait(false);
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task<StreamCopyResult> CopyAsync(Stream input, Stream output, CancellationToken cancellationToken)
    {
        byte[]? buffer = null;
        var reading = true;
        try
        {
            while (true)
            {
                // Wait for data without a buffer.
                reading = true;
                await input.ReadAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
                var read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return StreamCopyResult.Success;
                }

                reading = false;
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = null;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The streams below have reported the end of their side; the observer decides what it means.
            return cancellationToken.IsCancellationRequested ? StreamCopyResult.Canceled
                : reading ? StreamCopyResult.InputError
                : StreamCopyResult.OutputError;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
