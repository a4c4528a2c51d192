using System.Text;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Benchmarks.Tunnel;

/// <summary>Wire bytes for the frame benchmarks: a run of identical frames, back to back, as a peer sends them.</summary>
internal static class BenchmarkFrames
{
    public const int AudioPayloadBytes = 640;

    public const int ReadBytes16KB = 16 * 1024;

    private static readonly byte[] KeepAliveJson = """{"type":"KeepAlive"}"""u8.ToArray();

    public static bool IsFromClient(FrameKind kind) => kind != FrameKind.ServerAudio;

    public static int WireBytesPerFrame(FrameKind kind) => Frame(kind).Length;

    public static byte[] Run(FrameKind kind, int count)
    {
        var frame = Frame(kind);
        var run = new byte[frame.Length * count];
        for (var i = 0; i < count; i++)
        {
            frame.CopyTo(run, i * frame.Length);
        }

        return run;
    }

    /// <summary>How many bytes each read returns, in order, to cover <paramref name="totalBytes"/> once.</summary>
    public static int[] ReadLengths(FrameKind kind, ReadChunking chunking, int totalBytes)
    {
        var size = chunking == ReadChunking.FramePerRead ? WireBytesPerFrame(kind) : ReadBytes16KB;
        var lengths = new int[(totalBytes + size - 1) / size];
        for (var i = 0; i < lengths.Length; i++)
        {
            lengths[i] = Math.Min(size, totalBytes - (i * size));
        }

        return lengths;
    }

    /// <summary>A masked client text frame, for the Settings that puts a session in its steady state.</summary>
    public static byte[] ClientText(string json) => WebSocketFrameWriter.Frame(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(json), masked: true);

    /// <summary>An unmasked server text frame, for the Welcome.</summary>
    public static byte[] ServerText(string json) => WebSocketFrameWriter.Frame(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(json), masked: false);

    private static byte[] Frame(FrameKind kind) => kind switch
    {
        FrameKind.ClientAudio => WebSocketFrameWriter.Frame(WebSocketOpcode.Binary, Audio(), masked: true),
        FrameKind.ServerAudio => WebSocketFrameWriter.Frame(WebSocketOpcode.Binary, Audio(), masked: false),
        FrameKind.ClientKeepAlive => WebSocketFrameWriter.Frame(WebSocketOpcode.Text, KeepAliveJson, masked: true),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static byte[] Audio()
    {
        // Not silence: a payload of zeros would unmask to the mask itself, which hides nothing but looks odd in a dump.
        var payload = new byte[AudioPayloadBytes];
        for (var i = 0; i < payload.Length; i++)
        {
            payload[i] = (byte)((i * 37) + 11);
        }

        return payload;
    }
}
