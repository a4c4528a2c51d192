using System.Text.Json;

namespace Proxy.Metering;

/// <summary>
/// Reads only the top-level <c>type</c> of an agent JSON message, without allocating. A message cut off by the
/// capture limit is read as far as it goes: Deepgram's SDKs put <c>type</c> first, so a long Settings is still known.
/// </summary>
internal static class AgentMessageSniffer
{
    public static AgentMessageKind Sniff(ReadOnlySpan<byte> json, bool complete)
    {
        // Anything but an object is invalid, and the reader would say so by throwing: an exception for every empty or
        // plain-text frame a client cares to send is too dear for the copy loop. Leading JSON whitespace is allowed.
        var start = json.IndexOfAnyExcept(" \t\r\n"u8);
        if (start < 0 || json[start] != (byte)'{')
        {
            return AgentMessageKind.Invalid;
        }

        var reader = new Utf8JsonReader(json, isFinalBlock: complete, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return AgentMessageKind.Invalid;
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    return AgentMessageKind.Other;
                }

                if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
                {
                    continue;
                }

                var isType = reader.ValueTextEquals("type"u8);
                if (!reader.Read())
                {
                    break;
                }

                if (!isType)
                {
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                    {
                        break;
                    }

                    continue;
                }

                if (reader.TokenType != JsonTokenType.String)
                {
                    return AgentMessageKind.Other;
                }

                if (reader.ValueTextEquals("KeepAlive"u8))
                {
                    return AgentMessageKind.KeepAlive;
                }

                if (reader.ValueTextEquals("Settings"u8))
                {
                    return AgentMessageKind.Settings;
                }

                if (reader.ValueTextEquals("Welcome"u8))
                {
                    return AgentMessageKind.Welcome;
                }

                if (reader.ValueTextEquals("ConversationText"u8))
                {
                    return AgentMessageKind.ConversationText;
                }

                if (reader.ValueTextEquals("UpdateSpeak"u8))
                {
                    return AgentMessageKind.UpdateSpeak;
                }

                return reader.ValueTextEquals("UpdateThink"u8) ? AgentMessageKind.UpdateThink : AgentMessageKind.Other;
            }
        }
        catch (JsonException)
        {
            return AgentMessageKind.Invalid;
        }

        // Ran out of a truncated message before finding "type".
        return complete ? AgentMessageKind.Invalid : AgentMessageKind.Other;
    }
}
