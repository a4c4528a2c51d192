using System.Text;
using Proxy.Metering;

namespace Proxy.Tests.Metering;

public sealed class AgentMessageSnifferTests
{
    [Theory]
    [InlineData("{\"type\":\"KeepAlive\"}", AgentMessageKind.KeepAlive)]
    [InlineData("{\"type\":\"Settings\",\"audio\":{}}", AgentMessageKind.Settings)]
    [InlineData("{\"type\":\"Welcome\",\"request_id\":\"r\"}", AgentMessageKind.Welcome)]
    [InlineData("{\"type\":\"InjectUserMessage\",\"content\":\"hi\"}", AgentMessageKind.Other)]
    [InlineData("{\"type\":\"SettingsApplied\"}", AgentMessageKind.Other)]
    [InlineData("{\"type\":\"ConversationText\",\"role\":\"user\",\"content\":\"hi\"}", AgentMessageKind.ConversationText)]
    [InlineData("{\"type\":\"UpdateSpeak\",\"speak\":{}}", AgentMessageKind.UpdateSpeak)]
    [InlineData("{\"type\":\"UpdateThink\",\"think\":{}}", AgentMessageKind.UpdateThink)]
    [InlineData("{\"type\":\"SpeakUpdated\"}", AgentMessageKind.Other)]
    [InlineData("{\"type\":\"keepalive\"}", AgentMessageKind.Other)]
    [InlineData("{\"type\":\"\"}", AgentMessageKind.Other)]
    public void Top_level_type_decides_the_kind(string json, object expected)
    {
        Assert.Equal((AgentMessageKind)expected, Sniff(json, complete: true));
    }

    [Fact]
    public void Type_need_not_be_the_first_property()
    {
        Assert.Equal(AgentMessageKind.Settings, Sniff("{\"tags\":[\"a\"],\"audio\":{\"input\":{}},\"type\":\"Settings\"}", complete: true));
    }

    [Fact]
    public void Nested_type_properties_are_ignored()
    {
        Assert.Equal(AgentMessageKind.Other, Sniff("{\"agent\":{\"type\":\"KeepAlive\"}}", complete: true));
        Assert.Equal(AgentMessageKind.Other, Sniff("{\"list\":[{\"type\":\"Settings\"}]}", complete: true));
        Assert.Equal(
            AgentMessageKind.KeepAlive,
            Sniff("{\"agent\":{\"think\":{\"provider\":{\"type\":\"open_ai\"}}},\"list\":[{\"type\":\"Settings\"}],\"type\":\"KeepAlive\"}", complete: true));
    }

    [Theory]
    [InlineData("{\"type\":5}")]
    [InlineData("{\"type\":null}")]
    [InlineData("{\"type\":{\"name\":\"Settings\"}}")]
    [InlineData("{}")]
    [InlineData("{\"a\":1,\"b\":[1,2,{\"c\":null}]}")]
    public void Missing_or_non_string_type_is_other(string json)
    {
        Assert.Equal(AgentMessageKind.Other, Sniff(json, complete: true));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not json")]
    [InlineData("[{\"type\":\"Settings\"}]")]
    [InlineData("\"Settings\"")]
    [InlineData("42")]
    [InlineData("{\"type\":")]
    [InlineData("{\"a\":")]
    [InlineData("{\"a\":{\"b\":1},")]
    [InlineData("{type:\"Settings\"}")]
    public void Complete_non_object_or_broken_json_is_invalid(string json)
    {
        Assert.Equal(AgentMessageKind.Invalid, Sniff(json, complete: true));
    }

    [Fact]
    public void Truncated_message_with_type_first_is_still_recognised()
    {
        Assert.Equal(AgentMessageKind.Settings, Sniff("{\"type\":\"Settings\",\"agent\":{\"think\":{\"prompt\":\"You are a hel", complete: false));
    }

    [Fact]
    public void Truncated_message_with_type_after_a_skipped_object_is_recognised()
    {
        Assert.Equal(AgentMessageKind.Settings, Sniff("{\"audio\":{\"input\":{\"encoding\":\"linear16\"}},\"type\":\"Settings\",\"agent\":{\"x\":", complete: false));
    }

    [Theory]
    [InlineData("{\"agent\":{\"think\":{\"prompt\":\"You are")]
    [InlineData("{\"type\":\"Sett")]
    [InlineData("{\"ty")]
    [InlineData("{")]
    public void Truncated_message_without_a_readable_type_is_other(string json)
    {
        Assert.Equal(AgentMessageKind.Other, Sniff(json, complete: false));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \r\n\t")]
    [InlineData("[{\"type\":\"Settings\"")]
    [InlineData("\"Sett")]
    [InlineData("hello")]
    [InlineData("\uFEFF{\"type\":\"KeepAlive\"}")]
    public void Truncated_or_uncaptured_text_that_does_not_start_an_object_is_invalid(string json)
    {
        // An empty payload is what the session sees of a text message it did not capture.
        Assert.Equal(AgentMessageKind.Invalid, Sniff(json, complete: false));
    }

    [Fact]
    public void Same_cut_message_marked_complete_is_invalid()
    {
        Assert.Equal(AgentMessageKind.Invalid, Sniff("{\"agent\":{\"think\":{\"prompt\":\"You are", complete: true));
    }

    [Fact]
    public void Whitespace_around_tokens_is_allowed()
    {
        Assert.Equal(AgentMessageKind.KeepAlive, Sniff("  \r\n\t{ \"type\" :\n \"KeepAlive\" }\n", complete: true));
    }

    [Fact]
    public void Escaped_type_name_and_value_are_compared_unescaped()
    {
        Assert.Equal(AgentMessageKind.KeepAlive, Sniff("{\"\\u0074ype\":\"Keep\\u0041live\"}", complete: true));
    }

    [Fact]
    public void Invalid_utf8_in_the_type_value_is_not_recognised_and_does_not_throw()
    {
        byte[] json = [.. "{\"type\":\"Sett"u8, 0xFF, 0xFE, .. "\"}"u8];

        Assert.Equal(AgentMessageKind.Other, AgentMessageSniffer.Sniff(json, complete: true));
    }

    private static AgentMessageKind Sniff(string json, bool complete) =>
        AgentMessageSniffer.Sniff(Encoding.UTF8.GetBytes(json), complete);
}
