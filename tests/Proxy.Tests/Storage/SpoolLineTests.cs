using System.Text;
using System.Text.Json;
using Proxy.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Storage;

public sealed class SpoolLineTests
{
    [Fact]
    public void An_entry_is_one_line_of_snake_case_json_that_decodes_to_the_same_entry()
    {
        var entry = Entry("session-1", SpoolEntry.Final);

        var line = SpoolLine.Encode(entry);

        Assert.DoesNotContain(SpoolLine.End, line);
        Assert.StartsWith("{\"op\":\"final\",\"record\":{\"session_id\":\"session-1\",", Encoding.UTF8.GetString(line), StringComparison.Ordinal);
        Assert.Equal(Json(entry), Json(SpoolLine.Decode(line)!));
    }

    [Fact]
    public void Joined_lines_each_end_with_a_newline_in_the_order_given()
    {
        var first = SpoolLine.Encode(Entry("session-1", SpoolEntry.Open));
        var second = SpoolLine.Encode(Entry("session-2", SpoolEntry.Final));

        var bytes = SpoolLine.Join([first, second]);

        Assert.Equal([.. first, SpoolLine.End, .. second, SpoolLine.End], bytes);
    }

    [Fact]
    public void A_torn_line_does_not_decode()
    {
        var line = SpoolLine.Encode(Entry("session-1", SpoolEntry.Open));

        Assert.ThrowsAny<JsonException>(() => SpoolLine.Decode(line.AsSpan(0, line.Length / 2)));
    }

    [Fact]
    public void A_line_spooled_before_the_derived_usage_fields_decodes_without_them()
    {
        var line = Encoding.UTF8.GetBytes(
            """{"op":"final","record":{"session_id":"s-old","customer_id":"acme","key_id":"k","instance_id":"i","client_opened_at_ms":1,"audio_ms_in":40,"tags":[],"status":"closed"}}""");

        var record = SpoolLine.Decode(line)!.Record;

        Assert.Equal(40, record.AudioMsIn);
        Assert.Null(record.AudioMsOut);
        Assert.Null(record.UserChars);
        Assert.Null(record.AssistantChars);
        Assert.Null(record.SpeakProvider);
        Assert.Empty(record.ModelsSeen);
    }

    [Fact]
    public void The_derived_usage_fields_travel_in_snake_case()
    {
        var entry = new SpoolEntry(SpoolEntry.Final, TestSessionRecords.Minimal("s-new") with
        {
            AudioMsOut = 20,
            UserChars = 3,
            AssistantChars = 4,
            SpeakProvider = "deepgram",
            ModelsSeen = ["speak:aura-2-thalia-en"],
        });

        var text = Encoding.UTF8.GetString(SpoolLine.Encode(entry));
        var back = SpoolLine.Decode(Encoding.UTF8.GetBytes(text))!.Record;

        Assert.Contains("\"audio_ms_out\":20,\"user_chars\":3,\"assistant_chars\":4", text, StringComparison.Ordinal);
        Assert.Contains("\"speak_provider\":\"deepgram\"", text, StringComparison.Ordinal);
        Assert.Contains("\"models_seen\":[\"speak:aura-2-thalia-en\"]", text, StringComparison.Ordinal);
        Assert.Equal(["speak:aura-2-thalia-en"], back.ModelsSeen);
        Assert.Equal(20, back.AudioMsOut);
    }

    private static SpoolEntry Entry(string sessionId, string op) => new(op, TestSessionRecords.Minimal(sessionId));

    private static string Json(SpoolEntry entry) => JsonSerializer.Serialize(entry, SpoolJsonContext.Default.SpoolEntry);
}
