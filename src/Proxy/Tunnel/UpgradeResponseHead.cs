using System.Text;

namespace Proxy.Tunnel;

/// <summary>
/// The status line and header fields of the upstream's answer to the upgrade request (RFC 9112), parsed from the
/// bytes read so far. Strict: a malformed head is an upstream failure, never guessed at.
/// </summary>
internal sealed class UpgradeResponseHead
{
    private static ReadOnlySpan<byte> EndOfHead => "\r\n\r\n"u8;

    private UpgradeResponseHead(int statusCode, string reasonPhrase, int length, List<KeyValuePair<string, string>> headers)
    {
        StatusCode = statusCode;
        ReasonPhrase = reasonPhrase;
        Length = length;
        Headers = headers;
    }

    public int StatusCode { get; }

    public string ReasonPhrase { get; }

    /// <summary>Bytes the head takes, its empty line included: what follows is the upstream's first data.</summary>
    public int Length { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>
    /// The head, once <paramref name="data"/> holds all of it; null while it is incomplete.
    /// </summary>
    /// <exception cref="HttpRequestException">The head is not a valid HTTP/1.1 response head.</exception>
    public static UpgradeResponseHead? TryParse(ReadOnlySpan<byte> data)
    {
        var end = data.IndexOf(EndOfHead);
        if (end < 0)
        {
            return null;
        }

        var head = data[..end];
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        var (status, reason) = ParseStatusLine(statusLine);

        var headers = new List<KeyValuePair<string, string>>();
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var next = rest.IndexOf("\r\n"u8);
            var line = next < 0 ? rest : rest[..next];
            rest = next < 0 ? [] : rest[(next + 2)..];
            headers.Add(ParseField(line));
        }

        return new UpgradeResponseHead(status, reason, end + EndOfHead.Length, headers);
    }

    private static (int Status, string Reason) ParseStatusLine(ReadOnlySpan<byte> line)
    {
        // HTTP/1.1 SP 3DIGIT SP [reason]
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || (line[7] != (byte)'1' && line[7] != (byte)'0') || line[8] != (byte)' '
            || !IsDigit(line[9]) || !IsDigit(line[10]) || !IsDigit(line[11]) || (line.Length > 12 && line[12] != (byte)' '))
        {
            throw Malformed("status line");
        }

        var status = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        var reason = line.Length > 13 ? Text(line[13..], "reason phrase") : string.Empty;
        return (status, reason);
    }

    private static KeyValuePair<string, string> ParseField(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            throw Malformed("header field");
        }

        var name = line[..colon];
        foreach (var b in name)
        {
            // A token: no spaces (so no obsolete line folding either), no controls, no separators that matter here.
            if (b <= 0x20 || b >= 0x7F || b == (byte)':')
            {
                throw Malformed("header field name");
            }
        }

        var value = line[(colon + 1)..].Trim((byte)' ').Trim((byte)'\t');
        return new(Text(name, "header field name"), Text(value, "header field value"));
    }

    private static string Text(ReadOnlySpan<byte> bytes, string what)
    {
        foreach (var b in bytes)
        {
            if ((b < 0x20 && b != (byte)'\t') || b == 0x7F)
            {
                throw Malformed(what);
            }
        }

        return Encoding.Latin1.GetString(bytes);
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';

    private static HttpRequestException Malformed(string what) =>
        new($"The agent API answered the upgrade with a malformed {what}.");
}
