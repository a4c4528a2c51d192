using System.Buffers.Binary;
using System.Text;

namespace Proxy.Benchmarks.Load;

/// <summary>Client-to-server WebSocket frames (RFC 6455: always masked), built once and reused.</summary>
internal static class ClientFrames
{
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;

    /// <summary>Bytes of a header with the 16-bit extended length and the mask key (payloads 126–65,535 bytes).</summary>
    public const int MediumHeaderBytes = 8;

    /// <summary>A whole masked frame of <paramref name="payload"/>.</summary>
    public static byte[] Build(byte opcode, ReadOnlySpan<byte> payload, uint maskKey)
    {
        var headerBytes = payload.Length < 126 ? 6 : payload.Length <= ushort.MaxValue ? 8 : 14;
        var frame = new byte[headerBytes + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (payload.Length < 126)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        }

        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(headerBytes - 4), maskKey);
        payload.CopyTo(frame.AsSpan(headerBytes));
        Mask(frame.AsSpan(headerBytes), frame.AsSpan(headerBytes - 4, 4), 0);
        return frame;
    }

    public static byte[] BuildText(string text, uint maskKey) => Build(Text, Encoding.UTF8.GetBytes(text), maskKey);

    /// <summary>XORs <paramref name="data"/> with the mask, <paramref name="offset"/> bytes into the payload.</summary>
    public static void Mask(Span<byte> data, ReadOnlySpan<byte> maskKey, int offset)
    {
        for (var i = 0; i < data.Length; i++)
        {
            data[i] ^= maskKey[(offset + i) & 3];
        }
    }
}
