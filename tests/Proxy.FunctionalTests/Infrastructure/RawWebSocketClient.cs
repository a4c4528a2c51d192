using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>
/// A WebSocket client written on a bare TCP socket, for what no well-behaved client does: stopping in the middle of
/// a frame. Every frame it reads is checked to be a whole, valid frame.
/// </summary>
internal sealed class RawWebSocketClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];

    private RawWebSocketClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    /// <summary>The TCP port this client's connection comes from.</summary>
    public int LocalPort => ((System.Net.IPEndPoint)_tcp.Client.LocalEndPoint!).Port;

    public static async Task<RawWebSocketClient> ConnectAsync(Uri proxyUrl, string key)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync(proxyUrl.Host, proxyUrl.Port);
        var client = new RawWebSocketClient(tcp);
        var request = $"GET /v1/agent/converse HTTP/1.1\r\nHost: {proxyUrl.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
                      $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))}\r\n" +
                      $"Authorization: Token {key}\r\n\r\n";
        await client._stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var headers = await client.ReadHeadersAsync();
        if (!headers.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Upgrade refused: " + headers);
        }

        return client;
    }

    /// <summary>Writes a masked frame header announcing <paramref name="payloadLength"/> bytes, and no payload.</summary>
    public Task SendHeaderAsync(byte opcode, long payloadLength, byte[] mask)
    {
        var header = new List<byte> { (byte)(0x80 | opcode) };
        if (payloadLength < 126)
        {
            header.Add((byte)(0x80 | payloadLength));
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            header.Add(0x80 | 126);
            header.AddRange([(byte)(payloadLength >> 8), (byte)payloadLength]);
        }
        else
        {
            header.Add(0x80 | 127);
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payloadLength);
            header.AddRange(length);
        }

        header.AddRange(mask);
        return _stream.WriteAsync(header.ToArray()).AsTask();
    }

    /// <summary>Writes payload bytes (masked from <paramref name="offset"/> in the frame) of a frame already started.</summary>
    public Task SendPayloadAsync(byte[] payload, byte[] mask, long offset)
    {
        var masked = new byte[payload.Length];
        for (var i = 0; i < payload.Length; i++)
        {
            masked[i] = (byte)(payload[i] ^ mask[(offset + i) & 3]);
        }

        return _stream.WriteAsync(masked).AsTask();
    }

    public async Task SendFrameAsync(byte opcode, byte[] payload)
    {
        var mask = RandomNumberGenerator.GetBytes(4);
        await SendHeaderAsync(opcode, payload.Length, mask);
        await SendPayloadAsync(payload, mask, 0);
    }

    public Task SendTextAsync(string text) => SendFrameAsync(0x1, Encoding.UTF8.GetBytes(text));

    /// <summary>Sends bytes exactly as given: for frames no client should send.</summary>
    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Reads frames until a Close and returns its status code (null when it carried none).</summary>
    public async Task<int?> ReadUntilCloseAsync(TimeSpan timeout)
    {
        while (true)
        {
            var (opcode, payload) = await ReadFrameAsync(timeout);
            if (opcode == 0x8)
            {
                return payload.Length >= 2 ? (payload[0] << 8) | payload[1] : null;
            }
        }
    }

    /// <summary>Reads one whole frame: server frames must be unmasked, unfragmented here, with no reserved bits.</summary>
    public async Task<(byte Opcode, byte[] Payload)> ReadFrameAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var head = await ReadExactlyAsync(2, cancel.Token);
        if ((head[0] & 0x70) != 0 || (head[1] & 0x80) != 0 || (head[0] & 0x80) == 0)
        {
            throw new InvalidDataException($"Invalid server frame header {head[0]:X2} {head[1]:X2}.");
        }

        long length = head[1] & 0x7F;
        if (length == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(await ReadExactlyAsync(2, cancel.Token));
        }
        else if (length == 127)
        {
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(await ReadExactlyAsync(8, cancel.Token));
        }

        return ((byte)(head[0] & 0x0F), await ReadExactlyAsync((int)length, cancel.Token));
    }

    /// <summary>Drops the connection with a TCP reset (no FIN, no Close frame), as a crashed client would.</summary>
    public void Reset()
    {
        _tcp.Client.LingerState = new LingerOption(true, 0);
        _tcp.Client.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private async Task<string> ReadHeadersAsync()
    {
        var buffer = new byte[4096];
        while (true)
        {
            var text = Encoding.ASCII.GetString(_pending.ToArray());
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _pending.RemoveRange(0, end + 4);
                return text[..end];
            }

            var read = await _stream.ReadAsync(buffer);
            if (read == 0)
            {
                throw new EndOfStreamException("Connection closed during the handshake.");
            }

            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Max(count, 65536)];
        while (_pending.Count < count)
        {
            var read = await _stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new EndOfStreamException($"Connection closed with {_pending.Count} of {count} bytes read.");
            }

            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        var result = _pending.GetRange(0, count).ToArray();
        _pending.RemoveRange(0, count);
        return result;
    }
}
