using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Proxy.Tunnel;

/// <summary>
/// Encodes the few frames the proxy itself sends: a JSON text message and a Close. Frames toward the upstream are
/// masked, as a client's must be (RFC 6455 §5.3); frames toward the client are not.
/// </summary>
internal static class WebSocketFrameWriter
{
    public static byte[] Text(string text, bool masked) =>
        Frame(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(text), masked);

    /// <summary>A Close frame; the reason is cut to fit the 123 bytes a control frame leaves for it.</summary>
    public static byte[] Close(int code, string reason, bool masked)
    {
        var reasonBytes = Encoding.UTF8.GetBytes(reason);
        if (reasonBytes.Length > 123)
        {
            // Cut on a character boundary: a reason that is not valid UTF-8 obliges the peer to fail the connection.
            var cut = 123;
            while (cut > 0 && (reasonBytes[cut] & 0xC0) == 0x80)
            {
                cut--;
            }

            reasonBytes = reasonBytes[..cut];
        }

        var payload = new byte[2 + reasonBytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        reasonBytes.CopyTo(payload, 2);
        return Frame(WebSocketOpcode.Close, payload, masked);
    }

    public static byte[] Concat(params byte[][] frames)
    {
        var output = new byte[frames.Sum(f => f.Length)];
        var offset = 0;
        foreach (var frame in frames)
        {
            frame.CopyTo(output, offset);
            offset += frame.Length;
        }

        return output;
    }

    /// <summary>One final frame; a masked one gets a fresh random key, as RFC 6455 §5.3 asks of clients.</summary>
    public static byte[] Frame(WebSocketOpcode opcode, byte[] payload, bool masked)
    {
        var lengthBytes = payload.Length < 126 ? 0 : payload.Length <= ushort.MaxValue ? 2 : 8;
        var header = 2 + lengthBytes + (masked ? 4 : 0);
        var frame = new byte[header + payload.Length];
        frame[0] = (byte)(0x80 | (byte)opcode);
        var maskBit = masked ? (byte)0x80 : (byte)0;
        switch (lengthBytes)
        {
            case 0:
                frame[1] = (byte)(maskBit | payload.Length);
                break;
            case 2:
                frame[1] = (byte)(maskBit | 126);
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
                break;
            default:
                frame[1] = (byte)(maskBit | 127);
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
                break;
        }

        if (!masked)
        {
            payload.CopyTo(frame, header);
            return frame;
        }

        var mask = frame.AsSpan(2 + lengthBytes, 4);
        RandomNumberGenerator.Fill(mask);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[header + i] = (byte)(payload[i] ^ mask[i & 3]);
        }

        return frame;
    }
}
