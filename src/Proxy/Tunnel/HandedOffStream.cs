namespace Proxy.Tunnel;

/// <summary>
/// What YARP's forwarder gets for each side of an upgraded session: the proxy's own tunnel pumps the real
/// connections (<see cref="TunnelPump"/>), so the forwarder's copy loops find both ends already closed and return
/// at once, and its disposal of them touches nothing. The forwarder still does the handshake: the request as the
/// transformer shapes it, the upstream's 101 headers copied to the client.
/// </summary>
internal sealed class HandedOffStream : ConnectionStream
{
    public static readonly HandedOffStream Instance = new();

    private HandedOffStream()
    {
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(0);

    public override int Read(byte[] buffer, int offset, int count) => 0;

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(0);

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new InvalidOperationException("The proxy's tunnel owns this connection.");

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
