using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Metering;

/// <summary>
/// The record's derived usage through the real proxy and the emulator: the audio each way (its encodings from the
/// Settings), the characters of what the upstream's ConversationText said by role, the speak provider and every model
/// the session used, each checked against what actually went over the wire.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class DerivedUsageTests
{
    private readonly GatewayFixture _gateway;

    public DerivedUsageTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Audio_characters_and_models_are_recorded_as_they_went_over_the_wire()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("derived-usage");
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;

        // Telephony audio in (8 kHz mulaw: 8 bytes a ms), 16 kHz alaw out (16 bytes a ms).
        await client.SendTextAsync(Settings(
            input: new { encoding = "mulaw", sample_rate = 8000 },
            output: new { encoding = "alaw", sample_rate = 16000, container = "none" }));
        await client.ReceiveJsonAsync("SettingsApplied");

        // 10 × 160 bytes in, echoed back by the emulator, and 5 × 800 bytes the agent says on its own.
        for (var i = 0; i < 10; i++)
        {
            await client.SendBinaryAsync(160);
        }

        await client.SendTextAsync("""{"type":"EmulatorSendAudio","frames":5,"bytes":800,"interval_ms":0}""");
        await client.ReceiveBinaryAsync(15);

        // The emulator answers each InjectUserMessage with ConversationText user (the text) and assistant ("You said: …").
        long userChars = 0, assistantChars = 0;
        foreach (var text in new[] { "Grüß Gott, wie geht's?", "日本語で話してください 😀👍🏽", "plain \"quoted\" \\ text\n" })
        {
            await client.SendTextAsync(JsonSerializer.Serialize(new { type = "InjectUserMessage", content = text }));
            userChars += CodePoints(await ReceiveConversationTextAsync(client, "user"));
            assistantChars += CodePoints(await ReceiveConversationTextAsync(client, "assistant"));
        }

        await client.SendTextAsync("""{"type":"UpdateSpeak","speak":{"provider":{"type":"deepgram","model":"aura-2-andromeda-en"}}}""");
        await client.ReceiveJsonAsync("SpeakUpdated");
        await client.SendTextAsync(JsonSerializer.Serialize(new
        {
            type = "UpdateThink",
            think = new { prompt = new string('p', 3000), provider = new { type = "anthropic", model = "claude-sonnet-4-20250514" } },
        }));
        await client.ReceiveJsonAsync("ThinkUpdated");
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done");

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("derived-usage", requestId);

        Assert.Equal(1600 / 8, record.GetProperty("audio_ms_in").GetInt64());
        Assert.Equal((1600 + 4000) / 16, record.GetProperty("audio_ms_out").GetInt64());
        Assert.Equal(userChars, record.GetProperty("user_chars").GetInt64());
        Assert.Equal(assistantChars, record.GetProperty("assistant_chars").GetInt64());
        Assert.Equal(3 * "You said: ".Length + userChars, assistantChars);
        Assert.Equal("deepgram", record.GetProperty("speak_provider").GetString());
        Assert.Equal("aura-2-thalia-en", record.GetProperty("speak_model").GetString());
        Assert.Equal(
            ["listen:nova-3", "think:gpt-4o-mini", "speak:aura-2-thalia-en", "speak:aura-2-andromeda-en", "think:claude-sonnet-4-20250514"],
            record.GetProperty("models_seen").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public async Task A_compressed_input_has_no_audio_duration_and_a_long_conversation_text_counts_up_to_its_bound()
    {
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync("derived-usage-long");
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await client.SendTextAsync(Settings(input: new { encoding = "opus", sample_rate = 48000 }, output: new { encoding = "mulaw", sample_rate = 8000 }));
        await client.ReceiveJsonAsync("SettingsApplied");
        await client.SendBinaryAsync(400);
        await client.ReceiveBinaryAsync(1);

        // 70 000 characters: the proxy reads the first 64 KiB of each message, so it counts the content up to there.
        var content = new string('x', 70_000);
        await client.SendTextAsync(JsonSerializer.Serialize(new { type = "InjectUserMessage", content }));
        Assert.Equal(content.Length, CodePoints(await ReceiveConversationTextAsync(client, "user")));
        await ReceiveConversationTextAsync(client, "assistant");
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done");

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("derived-usage-long", requestId);

        const int Bound = 64 * 1024;
        Assert.Equal(JsonValueKind.Null, record.GetProperty("audio_ms_in").ValueKind);
        Assert.Equal(400 / 8, record.GetProperty("audio_ms_out").GetInt64());
        Assert.Equal(Bound - Header("user"), record.GetProperty("user_chars").GetInt64());
        Assert.Equal(Bound - Header("assistant"), record.GetProperty("assistant_chars").GetInt64());
    }

    private static string Settings(object input, object output) => JsonSerializer.Serialize(new
    {
        type = "Settings",
        audio = new { input, output },
        agent = new
        {
            listen = new { provider = new { type = "deepgram", model = "nova-3" } },
            think = new { provider = new { type = "open_ai", model = "gpt-4o-mini" }, prompt = "You are a test." },
            speak = new { provider = new { type = "deepgram", model = "aura-2-thalia-en" } },
        },
    });

    private static async Task<string> ReceiveConversationTextAsync(AgentTestClient client, string role)
    {
        var message = await client.ReceiveJsonAsync("ConversationText");
        Assert.Equal(role, message.GetProperty("role").GetString());
        return message.GetProperty("content").GetString()!;
    }

    private static long CodePoints(string text) => text.EnumerateRunes().Count();

    /// <summary>The bytes before the content in the emulator's ConversationText (type, role, content, in that order).</summary>
    private static int Header(string role) => Encoding.UTF8.GetByteCount($$"""{"type":"ConversationText","role":"{{role}}","content":" """.TrimEnd());
}
