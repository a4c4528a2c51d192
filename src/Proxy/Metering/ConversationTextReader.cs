using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Proxy.Metering;

/// <summary>
/// Counts the characters of a <c>ConversationText</c>'s <c>content</c>: Unicode code points of the decoded string
/// (a JSON escape is one character, a surrogate pair one, an invalid UTF-8 byte one as its replacement would be),
/// read from the raw bytes without making a string. A message cut off by the capture limit counts the content
/// it holds, up to the cut; its <c>role</c> must come before <c>content</c> then, as Deepgram sends it.
/// </summary>
internal static class ConversationTextReader
{
    public static ConversationTextCount Read(ReadOnlySpan<byte> json, bool complete)
    {
        var role = ConversationRole.Unknown;
        long? chars = null;
        var reader = new Utf8JsonReader(json, isFinalBlock: complete, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                var isRole = reader.ValueTextEquals("role"u8);
                var isContent = !isRole && reader.ValueTextEquals("content"u8);
                var valueStart = reader.BytesConsumed;
                if (!reader.Read())
                {
                    // Cut off inside this value: only a content string can still be counted, as far as it goes.
                    if (isContent)
                    {
                        chars = CountCutString(json[(int)valueStart..]);
                    }

                    break;
                }

                if (isRole && reader.TokenType == JsonTokenType.String)
                {
                    role = reader.ValueTextEquals("user"u8) ? ConversationRole.User
                        : reader.ValueTextEquals("assistant"u8) ? ConversationRole.Assistant
                        : ConversationRole.Unknown;
                }
                else if (isContent && reader.TokenType == JsonTokenType.String)
                {
                    chars = CountCodePoints(reader.ValueSpan);
                }
                else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    break;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON after all: nothing is counted (Deepgram's messages are; a broken one is not usage).
            return default;
        }

        return chars is { } count && role != ConversationRole.Unknown ? new ConversationTextCount(role, count) : default;
    }

    /// <summary>Code points of a JSON string's raw bytes (between the quotes, escapes not yet decoded); stops at a
    /// closing quote, or where the bytes end in the middle of an escape or a character.</summary>
    internal static long CountCodePoints(ReadOnlySpan<byte> raw)
    {
        long count = 0;
        var i = 0;
        while (i < raw.Length)
        {
            var b = raw[i];
            if (b == (byte)'"')
            {
                break;
            }

            if (b == (byte)'\\')
            {
                if (i + 1 >= raw.Length)
                {
                    break;
                }

                if (raw[i + 1] != (byte)'u')
                {
                    i += 2;
                    count++;
                    continue;
                }

                if (!TryReadHex(raw, i + 2, out var unit))
                {
                    break;
                }

                i += 6;
                count++;

                // A high surrogate escaped with its low one (how encoders write an emoji) is one character.
                if (char.IsHighSurrogate((char)unit) && raw.Length - i >= 6 && raw[i] == (byte)'\\' && raw[i + 1] == (byte)'u'
                    && TryReadHex(raw, i + 2, out var low) && char.IsLowSurrogate((char)low))
                {
                    i += 6;
                }

                continue;
            }

            if (b < 0x80)
            {
                i++;
                count++;
                continue;
            }

            var status = Rune.DecodeFromUtf8(raw[i..], out _, out var consumed);
            if (status == OperationStatus.NeedMoreData)
            {
                break;
            }

            i += consumed;
            count++;
        }

        return count;
    }

    /// <summary>A string value cut off by the capture limit: skip to its opening quote, count what follows.</summary>
    private static long? CountCutString(ReadOnlySpan<byte> rest)
    {
        var start = rest.IndexOfAnyExcept(" \t\r\n:"u8);
        return start >= 0 && rest[start] == (byte)'"' ? CountCodePoints(rest[(start + 1)..]) : null;
    }

    private static bool TryReadHex(ReadOnlySpan<byte> raw, int at, out int value)
    {
        value = 0;
        if (raw.Length - at < 4)
        {
            return false;
        }

        for (var k = 0; k < 4; k++)
        {
            var digit = HexDigit(raw[at + k]);
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
