using System.Text.Json;

namespace Proxy.Storage;

/// <summary>
/// The spool's on-disk format: each entry one line of UTF-8 JSON (<see cref="SpoolJsonContext"/>) ended by a newline.
/// Only a line with its newline counts: one without was torn by a crash and was never acknowledged.
/// </summary>
internal static class SpoolLine
{
    public const byte End = (byte)'\n';

    private static readonly Metering.SessionRecord WarmUpRecord = new()
    {
        SessionId = string.Empty,
        CustomerId = string.Empty,
        KeyId = string.Empty,
        InstanceId = string.Empty,
        ClientOpenedAtMs = 0,
        Status = Metering.SessionStatus.Open,
    };

    /// <summary>Serializes once now: the first record spooled during an outage should not pay for warming the
    /// serializer.</summary>
    public static void WarmUp() => _ = Encode(new SpoolEntry(SpoolEntry.Open, WarmUpRecord));

    /// <summary>The entry's line, without its newline (<see cref="Join"/> adds it).</summary>
    public static byte[] Encode(SpoolEntry entry) => JsonSerializer.SerializeToUtf8Bytes(entry, SpoolJsonContext.Default.SpoolEntry);

    /// <summary>The lines as the file holds them, each ended by a newline: one buffer, so a batch is one write.</summary>
    public static byte[] Join(IReadOnlyList<byte[]> lines)
    {
        var length = 0;
        foreach (var line in lines)
        {
            length += line.Length + 1;
        }

        var bytes = new byte[length];
        var at = 0;
        foreach (var line in lines)
        {
            line.CopyTo(bytes, at);
            at += line.Length;
            bytes[at++] = End;
        }

        return bytes;
    }

    /// <summary>The entry on one line (without its newline); throws <see cref="JsonException"/> when it does not
    /// parse.</summary>
    public static SpoolEntry? Decode(ReadOnlySpan<byte> line) => JsonSerializer.Deserialize(line, SpoolJsonContext.Default.SpoolEntry);
}
