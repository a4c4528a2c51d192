using System.Buffers.Binary;
using System.Text;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>How a frame header writes its payload length (RFC 6455 §5.2).</summary>
internal enum LengthForm
{
    /// <summary>The shortest form: 7 bits up to 125, 16 bits up to 65535, 64 bits above.</summary>
    Shortest,
    Bits16,
    Bits64,
}

/// <summary>Builds raw RFC 6455 frames byte by byte, independently of the parser under test.</summary>
internal static class FrameBuilder
{
    public static readonly byte[] DefaultMask = [0x37, 0xFA, 0x21, 0x3D];

    public static byte[] Frame(
        int opcode,
        ReadOnlySpan<byte> payload,
        bool masked,
        bool fin = true,
        int rsv = 0,
        LengthForm form = LengthForm.Shortest,
        byte[]? mask = null)
    {
        var header = Header(opcode, payload.Length, masked, fin, rsv, form, mask);
        var frame = new byte[header.Length + payload.Length];
        header.CopyTo(frame, 0);
        var key = mask ?? DefaultMask;
        for (var i = 0; i < payload.Length; i++)
        {
            frame[header.Length + i] = masked ? (byte)(payload[i] ^ key[i & 3]) : payload[i];
        }

        return frame;
    }

    /// <summary>A frame header alone, for payload lengths too large to build.</summary>
    public static byte[] Header(
        int opcode,
        long payloadLength,
        bool masked,
        bool fin = true,
        int rsv = 0,
        LengthForm form = LengthForm.Shortest,
        byte[]? mask = null)
    {
        if (form == LengthForm.Shortest)
        {
            form = payloadLength switch
            {
                <= 125 => LengthForm.Shortest,
                <= ushort.MaxValue => LengthForm.Bits16,
                _ => LengthForm.Bits64,
            };
        }

        return RawHeader(opcode, form, (ulong)payloadLength, masked, fin, rsv, mask);
    }

    /// <summary>A header whose length field is written as given, even where RFC 6455 forbids the value.</summary>
    public static byte[] RawHeader(int opcode, LengthForm form, ulong length, bool masked, bool fin = true, int rsv = 0, byte[]? mask = null)
    {
        var extra = form switch
        {
            LengthForm.Bits16 => 2,
            LengthForm.Bits64 => 8,
            _ => 0,
        };
        var header = new byte[2 + extra + (masked ? 4 : 0)];
        header[0] = (byte)((fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0F));
        var maskBit = masked ? 0x80 : 0;
        switch (form)
        {
            case LengthForm.Bits16:
                header[1] = (byte)(maskBit | 126);
                BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)length);
                break;
            case LengthForm.Bits64:
                header[1] = (byte)(maskBit | 127);
                BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(2), length);
                break;
            default:
                header[1] = (byte)(maskBit | (int)length);
                break;
        }

        if (masked)
        {
            (mask ?? DefaultMask).CopyTo(header, 2 + extra);
        }

        return header;
    }

    public static byte[] Text(string text, bool masked, bool fin = true) =>
        Frame((int)WebSocketOpcode.Text, Encoding.UTF8.GetBytes(text), masked, fin);

    public static byte[] Continuation(string text, bool masked, bool fin = true) =>
        Frame((int)WebSocketOpcode.Continuation, Encoding.UTF8.GetBytes(text), masked, fin);

    public static byte[] Binary(int length, bool masked, bool fin = true) =>
        Frame((int)WebSocketOpcode.Binary, Pattern(length), masked, fin);

    public static byte[] BinaryContinuation(int length, bool masked, bool fin = true) =>
        Frame((int)WebSocketOpcode.Continuation, Pattern(length), masked, fin);

    public static byte[] Ping(string payload, bool masked) =>
        Frame((int)WebSocketOpcode.Ping, Encoding.UTF8.GetBytes(payload), masked);

    public static byte[] Pong(string payload, bool masked) =>
        Frame((int)WebSocketOpcode.Pong, Encoding.UTF8.GetBytes(payload), masked);

    public static byte[] Close(int? code, string reason, bool masked)
    {
        var reasonBytes = Encoding.UTF8.GetBytes(reason);
        var payload = new byte[(code is null ? 0 : 2) + reasonBytes.Length];
        if (code is { } status)
        {
            BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)status);
        }

        reasonBytes.CopyTo(payload, code is null ? 0 : 2);
        return Frame((int)WebSocketOpcode.Close, payload, masked);
    }

    public static byte[] Concat(params byte[][] parts)
    {
        var total = 0;
        foreach (var part in parts)
        {
            total += part.Length;
        }

        var result = new byte[total];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }

    /// <summary>Payload bytes that differ from position to position, so a wrong offset shows.</summary>
    public static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 31 + 7);
        }

        return bytes;
    }

    /// <summary>Printable text of a given length ('a'..'z' repeating), so a truncation point is visible.</summary>
    public static string Letters(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)('a' + (i % 26));
        }

        return new string(chars);
    }
}
