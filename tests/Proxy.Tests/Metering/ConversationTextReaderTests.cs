using System.Text;
using System.Text.Json;
using Proxy.Metering;

namespace Proxy.Tests.Metering;

public sealed class ConversationTextReaderTests
{
    [Theory]
    [InlineData("user", ConversationRole.User)]
    [InlineData("assistant", ConversationRole.Assistant)]
    public void Content_characters_are_counted_for_the_role(string role, object expected)
    {
        var count = Read($$"""{"type":"ConversationText","role":"{{role}}","content":"Hello there"}""");

        Assert.Equal(new ConversationTextCount((ConversationRole)expected, 11), count);
    }

    [Theory]
    [InlineData("héllo wörld")]
    [InlineData("日本語のテキスト")]
    [InlineData("emoji 😀 and 👍🏽 family 👨‍👩‍👧")]
    [InlineData("tab\tquote\" backslash\\ slash/ newline\n")]
    [InlineData("")]
    public void Characters_are_unicode_code_points_whatever_the_escaping(string content)
    {
        var expected = content.EnumerateRunes().Count();
        var raw = $$"""{"type":"ConversationText","role":"assistant","content":"{{content}}"}""";
        var escaped = JsonSerializer.Serialize(new { type = "ConversationText", role = "assistant", content });

        Assert.Equal(expected, Read(Json(raw, content)).Chars);
        Assert.Equal(expected, Read(escaped).Chars);
    }

    [Fact]
    public void An_escaped_surrogate_pair_is_one_character_and_a_lone_surrogate_one_too()
    {
        Assert.Equal(3, Read("""{"role":"user","content":"a\ud83d\ude00b"}""").Chars);
        Assert.Equal(3, Read("""{"role":"user","content":"a\ud83db"}""").Chars);
    }

    [Fact]
    public void Invalid_utf8_bytes_count_one_each()
    {
        byte[] json = [.. "{\"role\":\"user\",\"content\":\"a"u8, 0xFF, 0xFE, .. "b\"}"u8];

        Assert.Equal(new ConversationTextCount(ConversationRole.User, 4), ConversationTextReader.Read(json, complete: true));
    }

    [Fact]
    public void A_message_cut_off_counts_the_content_up_to_the_cut()
    {
        var prefix = "{\"type\":\"ConversationText\",\"role\":\"assistant\",\"content\":\"";
        var bytes = Encoding.UTF8.GetBytes(prefix + new string('é', 1000) + "\\ud83d\\ude00" + new string('x', 1000) + "\"}");
        var start = Encoding.UTF8.GetByteCount(prefix);

        Assert.Equal(1000 + 1 + 1000, Read(Encoding.UTF8.GetString(bytes)).Chars);

        // Cut after 500 'é' (2 bytes each), in the middle of the 501st, inside the escaped emoji, after it, and in
        // the x's.
        Assert.Equal(500, Cut(bytes, start + 1000).Chars);
        Assert.Equal(500, Cut(bytes, start + 1001).Chars);
        Assert.Equal(1000, Cut(bytes, start + 2000 + 3).Chars);
        Assert.Equal(1001, Cut(bytes, start + 2000 + 12).Chars);
        Assert.Equal(1011, Cut(bytes, start + 2000 + 22).Chars);
        Assert.Equal(ConversationRole.Assistant, Cut(bytes, start + 3).Role);
        Assert.Equal(default, Cut(bytes, start - 12));
    }

    [Theory]
    [InlineData("""{"type":"ConversationText","role":"system","content":"hi"}""")]
    [InlineData("""{"type":"ConversationText","content":"hi"}""")]
    [InlineData("""{"type":"ConversationText","role":"user"}""")]
    [InlineData("""{"type":"ConversationText","role":"user","content":42}""")]
    [InlineData("""{"type":"ConversationText","role":"user","content":"hi" """)]
    [InlineData("""{"nested":{"role":"user","content":"hi"}}""")]
    [InlineData("not json")]
    public void Without_a_known_role_and_a_string_content_nothing_is_counted(string json)
    {
        Assert.Equal(default, Read(json));
    }

    [Fact]
    public void Role_after_the_content_still_counts_when_the_message_is_whole()
    {
        Assert.Equal(new ConversationTextCount(ConversationRole.User, 2), Read("""{"content":"hi","role":"user","type":"ConversationText"}"""));
    }

    private static ConversationTextCount Cut(byte[] bytes, int length) => ConversationTextReader.Read(bytes.AsSpan(0, length), complete: false);

    private static ConversationTextCount Read(string json) => ConversationTextReader.Read(Encoding.UTF8.GetBytes(json), complete: true);

    // Raw text with the JSON-special characters escaped minimally (the rest as UTF-8 bytes).
    private static string Json(string raw, string content) => content.Length == 0 ? raw :
        raw.Replace(content, content.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\t", "\\t").Replace("\n", "\\n"), StringComparison.Ordinal);
}
