using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Tests.Tunnel;
using static Proxy.Tests.Sessions.SessionFrames;

namespace Proxy.Tests.Sessions;

/// <summary>What a live session counts for the record's derived usage, from the frames as they pass: ConversationText
/// characters by role, the agent's audio, the models the client switched to.</summary>
public sealed class AgentSessionDerivedUsageTests
{
    private const int SettingsLimit = 4096;

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void Conversation_text_after_the_welcome_is_counted_by_role_in_code_points()
    {
        using var session = StartedSession();

        FromUpstream(session,
            UpstreamText(ConversationText("user", "Grüß dich 👋")),
            UpstreamText(ConversationText("assistant", "日本語で答えます")),
            UpstreamText("""{"type":"AgentThinking","content":"not counted"}"""),
            UpstreamText(ConversationText("user", "again")));

        var record = session.ToFinalRecord();
        Assert.Equal("Grüß dich 👋".EnumerateRunes().Count() + 5, record.UserChars);
        Assert.Equal(8, record.AssistantChars);
    }

    [Fact]
    public void A_fragmented_conversation_text_is_counted_once_whole()
    {
        using var session = StartedSession();
        var json = ConversationText("assistant", new string('a', 300) + "é" + new string('b', 300));

        FromUpstream(session,
            FrameBuilder.Text(json[..100], masked: false, fin: false),
            FrameBuilder.Continuation(json[100..500], masked: false, fin: false),
            FrameBuilder.Continuation(json[500..], masked: false));

        Assert.Equal(601, session.AssistantChars);
    }

    [Fact]
    public void A_conversation_text_longer_than_its_capture_limit_counts_the_content_up_to_the_limit()
    {
        using var session = StartedSession();
        var json = ConversationText("assistant", new string('x', 100_000));
        var header = Encoding.UTF8.GetByteCount("""{"type":"ConversationText","role":"assistant","content":""") + 1;

        FromUpstream(session, UpstreamText(json));

        Assert.Equal(AgentMessageFacts.ConversationTextCaptureLimit - header, session.AssistantChars);
        Assert.Equal(0, session.UserChars);
    }

    [Fact]
    public void Client_text_and_the_upstreams_other_long_messages_are_not_counted_or_copied_past_a_first_look()
    {
        using var session = StartedSession();

        FromClient(session, ClientText("""{"type":"InjectUserMessage","content":"this is the client's, not counted"}"""));
        var longOther = "{\"type\":\"History\",\"role\":\"user\",\"content\":\"" + new string('y', 2000) + "\"}";

        Assert.Equal(0, session.ExtendedTextCaptureLimit(Proxy.Tunnel.TunnelSide.Upstream, Encoding.UTF8.GetBytes(longOther).AsSpan(0, 512)));
        FromUpstream(session, UpstreamText(longOther));
        Assert.Equal(0, session.UserChars);
        Assert.Equal(0, session.AssistantChars);
    }

    [Fact]
    public void Model_updates_from_the_client_are_listed_after_the_settings_models()
    {
        using var session = StartedSession();

        FromClient(session,
            ClientText("""{"type":"UpdateSpeak","speak":{"provider":{"type":"deepgram","model":"aura-2-andromeda-en"}}}"""),
            ClientText("""{"type":"UpdateThink","think":{"provider":{"type":"open_ai","model":"gpt-4o"},"prompt":"Be brief."}}"""),
            ClientText("""{"type":"UpdateSpeak","speak":{"provider":{"type":"deepgram","model":"aura-2-thalia-en"}}}"""));

        var record = session.ToFinalRecord();
        Assert.Equal(
            ["listen:nova-3", "think:gpt-4o-mini", "speak:aura-2-thalia-en", "speak:aura-2-andromeda-en", "think:gpt-4o"],
            record.ModelsSeen);
        Assert.Equal("aura-2-thalia-en", record.SpeakModel);
        Assert.Equal("gpt-4o-mini", record.ThinkModel);
        Assert.Equal("deepgram", record.SpeakProvider);
    }

    [Fact]
    public void An_update_think_with_a_long_prompt_is_read_past_the_first_look()
    {
        using var session = StartedSession();
        var update = JsonSerializer.Serialize(new
        {
            type = "UpdateThink",
            think = new { prompt = new string('p', 2000), provider = new { type = "anthropic", model = "claude-sonnet-4-20250514" } },
        });

        FromClient(session, ClientText(update));

        Assert.Contains("think:claude-sonnet-4-20250514", session.ToFinalRecord().ModelsSeen);
    }

    [Fact]
    public void An_update_longer_than_the_settings_limit_is_forwarded_but_not_listed()
    {
        using var session = StartedSession();
        var update = JsonSerializer.Serialize(new
        {
            type = "UpdateThink",
            think = new { prompt = new string('p', SettingsLimit), provider = new { type = "open_ai", model = "gpt-4o" } },
        });

        FromClient(session, ClientText(update));

        Assert.Equal(["listen:nova-3", "think:gpt-4o-mini", "speak:aura-2-thalia-en"], session.ToFinalRecord().ModelsSeen);
    }

    [Fact]
    public void The_agents_audio_is_measured_with_the_output_format()
    {
        using var session = new AgentSession(Identity, _time, SettingsLimit, new SessionPolicy());
        MarkOpened(session, _time);
        FromUpstream(session, UpstreamText(Welcome));
        FromClient(session, ClientText("""
            {"type":"Settings","audio":{"input":{"encoding":"mulaw","sample_rate":8000},"output":{"encoding":"alaw","sample_rate":8000}},
             "agent":{"speak":{"provider":{"type":"deepgram","model":"aura-2-thalia-en"}}}}
            """));

        // 8000 bytes each way of 8 kHz 8-bit audio: one second.
        FromClient(session, FrameBuilder.Binary(4000, masked: true), FrameBuilder.Binary(4000, masked: true));
        FromUpstream(session, FrameBuilder.Binary(8000, masked: false));

        var record = session.ToFinalRecord();
        Assert.Equal(1000, record.AudioMsIn);
        Assert.Equal(1000, record.AudioMsOut);
    }

    private AgentSession StartedSession()
    {
        var session = new AgentSession(Identity, _time, SettingsLimit, new SessionPolicy());
        MarkOpened(session, _time);
        FromUpstream(session, UpstreamText(Welcome));
        FromClient(session, ClientText(Settings));
        return session;
    }

    private static string ConversationText(string role, string content) =>
        JsonSerializer.Serialize(new { type = "ConversationText", role, content });
}
