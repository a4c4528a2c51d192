using Proxy.Metering;
using Proxy.Sessions;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Metering;

public sealed class SessionRecordBuilderTests
{
    private const long OpenedMs = 1_764_151_200_000;

    [Fact]
    public void A_measured_end_gives_the_full_final_record()
    {
        var facts = Facts() with
        {
            LastActivityMs = OpenedMs + 150,
            End = new SessionEnd
            {
                UpstreamClosedAtMs = OpenedMs + 207,
                ClientClosedAtMs = OpenedMs + 210,
                UpstreamConnected = TimeSpan.FromMilliseconds(200.4),
                CloseReason = "client_closed",
                CloseCode = 1000,
                CloseInitiator = "client",
            },
        };

        var record = SessionRecordBuilder.Build(facts);

        Assert.Equal(
            TestSessionRecords.Described(clientOpenedAtMs: OpenedMs - 7, upstreamOpenedAtMs: OpenedMs) with
            {
                AgentConfigId = null,
                UpstreamClosedAtMs = OpenedMs + 207,
                ClientClosedAtMs = OpenedMs + 210,
                DurationMs = 200,
                BillableMs = 1000,
                CloseReason = "client_closed",
                CloseCode = 1000,
                CloseInitiator = "client",
                UpstreamStatus = null,
                FramesIn = 5,
                FramesOut = 4,
                BytesIn = 6_500,
                BytesOut = 4_900,
                AudioMsIn = 200,
                Tags = record.Tags,
                Status = "closed",
                LastSeenMs = OpenedMs + 210,
                LastActivityMs = OpenedMs + 150,
                Estimated = false,
            },
            record);
        Assert.Equal(["support", "eu"], record.Tags);
    }

    [Theory]
    [InlineData(0, 0, 1000)]
    [InlineData(200, 200, 1000)]
    [InlineData(999, 999, 1000)]
    [InlineData(1000, 1000, 1000)]
    [InlineData(1001, 1001, 1001)]
    [InlineData(6_900_000, 6_900_000, 6_900_000)]
    public void Duration_is_the_measured_upstream_time_and_billable_has_a_one_second_minimum(int ms, long duration, long billable)
    {
        var record = SessionRecordBuilder.Build(Facts() with { End = MeasuredEnd(TimeSpan.FromMilliseconds(ms)) });

        Assert.Equal(duration, record.DurationMs);
        Assert.Equal(billable, record.BillableMs);
    }

    [Fact]
    public void Measured_duration_is_rounded_to_the_nearest_millisecond()
    {
        var record = SessionRecordBuilder.Build(Facts() with { End = MeasuredEnd(TimeSpan.FromMilliseconds(61_234.5)) });

        Assert.Equal(61_235, record.DurationMs);
    }

    [Fact]
    public void Without_an_upstream_session_nothing_is_billed_and_no_close_code_is_kept()
    {
        var facts = Facts() with
        {
            UpstreamOpenedAtMs = null,
            UpstreamStatus = 401,
            End = MeasuredEnd(TimeSpan.FromSeconds(5)) with { UpstreamClosedAtMs = null, CloseReason = "upstream_error", CloseInitiator = "none" },
        };

        var record = SessionRecordBuilder.Build(facts);

        Assert.Null(record.DurationMs);
        Assert.Equal(0, record.BillableMs);
        Assert.Null(record.CloseCode);
        Assert.Equal("none", record.CloseInitiator);
        Assert.Equal(401, record.UpstreamStatus);
        Assert.Null(record.UpstreamOpenedAtMs);
        Assert.Null(record.UpstreamClosedAtMs);
        Assert.Equal("closed", record.Status);
    }

    [Fact]
    public void Open_record_has_no_end_and_no_durations_and_is_last_seen_at_the_upstream_open()
    {
        var record = SessionRecordBuilder.Build(Facts());

        Assert.Equal("open", record.Status);
        Assert.Equal(OpenedMs, record.LastSeenMs);
        Assert.Null(record.UpstreamClosedAtMs);
        Assert.Null(record.ClientClosedAtMs);
        Assert.Null(record.DurationMs);
        Assert.Null(record.BillableMs);
        Assert.Null(record.CloseReason);
        Assert.Null(record.CloseCode);
        Assert.Null(record.CloseInitiator);
        Assert.Null(record.LastActivityMs);
        Assert.False(record.Estimated);
        Assert.Equal("nova-3", record.ListenModel);
        Assert.Equal(200, record.AudioMsIn);
    }

    [Fact]
    public void Open_record_before_the_upstream_opened_is_last_seen_at_the_client_open()
    {
        var record = SessionRecordBuilder.Build(Facts() with { UpstreamOpenedAtMs = null, Settings = null });

        Assert.Equal(OpenedMs - 7, record.LastSeenMs);
        Assert.Null(record.UpstreamOpenedAtMs);
        Assert.Empty(record.Tags);
    }

    [Theory]
    [InlineData("linear16", 16_000, 6400, 200)]
    [InlineData("linear16", 24_000, 48_000, 1000)]
    [InlineData("mulaw", 8_000, 4_000, 500)]
    [InlineData("opus", 48_000, 6400, null)]
    public void Audio_ms_in_follows_the_input_format_and_the_clients_binary_payload(string encoding, int rate, int bytes, int? expected)
    {
        var facts = Facts() with
        {
            Settings = new AgentSettingsSummary { InputEncoding = encoding, InputSampleRate = rate },
            ClientAudioBytes = bytes,
        };

        Assert.Equal(expected, SessionRecordBuilder.Build(facts).AudioMsIn);
    }

    [Fact]
    public void No_settings_means_no_audio_duration()
    {
        Assert.Null(SessionRecordBuilder.Build(Facts() with { Settings = null }).AudioMsIn);
    }

    [Fact]
    public void Audio_duration_already_on_a_stored_record_stands()
    {
        Assert.Equal(3_900, SessionRecordBuilder.Build(Facts() with { Settings = null, RecordedAudioMsIn = 3_900 }).AudioMsIn);
    }

    [Theory]
    [InlineData("linear16", 24_000, 48_000, 1000L)]
    [InlineData("linear16", 16_000, 6_400, 200L)]
    [InlineData("mulaw", 8_000, 4_000, 500L)]
    [InlineData("alaw", 8_000, 8_000, 1000L)]
    [InlineData("linear32", 48_000, 19_200, 100L)]
    [InlineData(null, 24_000, 4_800, 100L)]
    [InlineData("opus", 48_000, 6_400, null)]
    [InlineData("mp3", 24_000, 6_400, null)]
    public void Audio_ms_out_follows_the_output_format_and_the_upstreams_binary_payload(string? encoding, int rate, int bytes, long? expected)
    {
        var facts = Facts() with
        {
            Settings = new AgentSettingsSummary { OutputEncoding = encoding, OutputSampleRate = rate, InputEncoding = "opus", InputSampleRate = 48_000 },
            ClientAudioBytes = 1_000_000,
            AgentAudioBytes = bytes,
        };

        var record = SessionRecordBuilder.Build(facts);

        Assert.Equal(expected, record.AudioMsOut);
        Assert.Null(record.AudioMsIn);
    }

    [Fact]
    public void Audio_ms_out_needs_an_output_sample_rate()
    {
        var facts = Facts() with { Settings = new AgentSettingsSummary { OutputEncoding = "linear16" }, AgentAudioBytes = 48_000 };

        Assert.Null(SessionRecordBuilder.Build(facts).AudioMsOut);
    }

    [Fact]
    public void Output_audio_already_on_a_stored_record_stands()
    {
        Assert.Equal(2_500, SessionRecordBuilder.Build(Facts() with { Settings = null, RecordedAudioMsOut = 2_500 }).AudioMsOut);
    }

    [Fact]
    public void Characters_by_role_and_the_speak_provider_are_copied()
    {
        var facts = Facts() with
        {
            Settings = new AgentSettingsSummary { SpeakProvider = "eleven_labs", SpeakModel = "eleven_turbo_v2_5" },
            UserChars = 17,
            AssistantChars = 4_096,
        };

        var record = SessionRecordBuilder.Build(facts);

        Assert.Equal(17, record.UserChars);
        Assert.Equal(4_096, record.AssistantChars);
        Assert.Equal("eleven_labs", record.SpeakProvider);
        Assert.Equal("eleven_turbo_v2_5", record.SpeakModel);
    }

    [Fact]
    public void Models_seen_are_the_settings_models_then_each_update_once_in_order()
    {
        var facts = Facts() with
        {
            Settings = new AgentSettingsSummary
            {
                SpeakModel = "aura-2-thalia-en",
                Models = ["listen:nova-3", "think:gpt-4o-mini", "speak:aura-2-thalia-en"],
            },
            ModelUpdates = ["speak:aura-2-andromeda-en", "think:gpt-4o", "speak:aura-2-thalia-en", "speak:aura-2-andromeda-en"],
        };

        var record = SessionRecordBuilder.Build(facts);

        Assert.Equal(
            ["listen:nova-3", "think:gpt-4o-mini", "speak:aura-2-thalia-en", "speak:aura-2-andromeda-en", "think:gpt-4o"],
            record.ModelsSeen);

        // The Settings' model stays what rating uses; the switch is only listed.
        Assert.Equal("aura-2-thalia-en", record.SpeakModel);
    }

    [Fact]
    public void Models_seen_stop_at_their_bound()
    {
        var updates = Enumerable.Range(0, 100).Select(i => $"speak:voice-{i}").ToList();

        var record = SessionRecordBuilder.Build(Facts() with { ModelUpdates = updates });

        Assert.Equal(ModelStages.MaxModelsSeen, record.ModelsSeen.Count);
        Assert.Equal("speak:voice-0", record.ModelsSeen[0]);
    }

    [Fact]
    public void An_orphans_estimate_keeps_the_derived_usage_its_open_record_had()
    {
        var open = OpenRecord() with
        {
            LastSeenMs = OpenedMs + 5_000,
            AudioMsOut = 1_500,
            UserChars = 12,
            AssistantChars = 34,
            SpeakProvider = "deepgram",
            ModelsSeen = ["listen:nova-3", "speak:aura-2-thalia-en", "speak:aura-2-andromeda-en"],
        };

        var estimate = OrphanReaper.Estimate(open);

        Assert.Equal(open.AudioMsIn, estimate.AudioMsIn);
        Assert.Equal(1_500, estimate.AudioMsOut);
        Assert.Equal(12, estimate.UserChars);
        Assert.Equal(34, estimate.AssistantChars);
        Assert.Equal("deepgram", estimate.SpeakProvider);
        Assert.Equal(["listen:nova-3", "speak:aura-2-thalia-en", "speak:aura-2-andromeda-en"], estimate.ModelsSeen);
    }

    [Fact]
    public void An_estimated_end_bills_the_wall_clock_span_to_the_last_sign_of_life()
    {
        var end = new SessionEnd
        {
            UpstreamClosedAtMs = OpenedMs + 42_000,
            ClientClosedAtMs = OpenedMs + 42_000,
            CloseReason = "orphaned",
            CloseCode = 1006,
            CloseInitiator = "none",
            Estimated = true,
        };

        var record = SessionRecordBuilder.Build(Facts() with { End = end });

        Assert.Equal(42_000, record.DurationMs);
        Assert.Equal(42_000, record.BillableMs);
        Assert.True(record.Estimated);
        Assert.Equal(OpenedMs + 42_000, record.LastSeenMs);
    }

    [Fact]
    public void An_orphans_estimate_ends_at_its_last_heartbeat_and_keeps_everything_else()
    {
        var open = OpenRecord() with { LastSeenMs = OpenedMs + 65_000, LastActivityMs = OpenedMs + 60_000 };

        var estimate = OrphanReaper.Estimate(open);

        Assert.Equal(
            open with
            {
                UpstreamClosedAtMs = OpenedMs + 65_000,
                ClientClosedAtMs = OpenedMs + 65_000,
                DurationMs = 64_950,
                BillableMs = 64_950,
                CloseReason = "orphaned",
                CloseCode = 1006,
                CloseInitiator = "none",
                Status = "closed",
                LastSeenMs = OpenedMs + 65_000,
                Estimated = true,
            },
            estimate);
    }

    [Fact]
    public void An_orphan_without_an_upstream_session_is_not_billed_and_has_no_close_code()
    {
        var open = OpenRecord() with { UpstreamOpenedAtMs = null, LastSeenMs = OpenedMs + 3000 };

        var estimate = OrphanReaper.Estimate(open);

        Assert.Null(estimate.DurationMs);
        Assert.Equal(0, estimate.BillableMs);
        Assert.Null(estimate.CloseCode);
        Assert.Null(estimate.UpstreamClosedAtMs);
        Assert.Equal(OpenedMs + 3000, estimate.ClientClosedAtMs);
        Assert.Equal("none", estimate.CloseInitiator);
        Assert.Equal("orphaned", estimate.CloseReason);
        Assert.True(estimate.Estimated);
    }

    [Fact]
    public void An_orphan_never_heartbeaten_ends_at_its_upstream_open_and_bills_the_minimum()
    {
        var estimate = OrphanReaper.Estimate(OpenRecord() with { LastSeenMs = null });

        Assert.Equal(OpenedMs + 50, estimate.UpstreamClosedAtMs);
        Assert.Equal(OpenedMs + 50, estimate.LastSeenMs);
        Assert.Equal(0, estimate.DurationMs);
        Assert.Equal(1000, estimate.BillableMs);
    }

    [Fact]
    public void An_orphan_last_seen_before_its_upstream_open_has_no_negative_duration()
    {
        var estimate = OrphanReaper.Estimate(OpenRecord() with { LastSeenMs = OpenedMs });

        Assert.Equal(0, estimate.DurationMs);
        Assert.Equal(1000, estimate.BillableMs);
        Assert.Equal(OpenedMs, estimate.ClientClosedAtMs);
    }

    /// <summary>A live session's facts: upstream opened 7 ms after the client, Settings read, 200 ms of audio in. Its
    /// identity and Settings are those of <see cref="TestSessionRecords.Described"/>.</summary>
    private static SessionFacts Facts() => new()
    {
        SessionId = TestSessionRecords.SessionId,
        ClientSessionId = TestSessionRecords.ClientSessionId,
        CustomerId = TestSessionRecords.CustomerId,
        KeyId = TestSessionRecords.KeyId,
        PlanId = TestSessionRecords.PlanId,
        InstanceId = TestSessionRecords.InstanceId,
        DeepgramRequestId = TestSessionRecords.DeepgramRequestId,
        Settings = new AgentSettingsSummary
        {
            ListenModel = "nova-3",
            ThinkProvider = "open_ai",
            ThinkModel = "gpt-4o-mini",
            SpeakModel = "aura-2-thalia-en",
            Tags = ["support", "eu"],
            InputEncoding = "linear16",
            InputSampleRate = 16_000,
        },
        ClientOpenedAtMs = OpenedMs - 7,
        UpstreamOpenedAtMs = OpenedMs,
        FramesIn = 5,
        FramesOut = 4,
        BytesIn = 6_500,
        BytesOut = 4_900,
        ClientAudioBytes = 6_400,
    };

    private static SessionEnd MeasuredEnd(TimeSpan upstreamConnected) => new()
    {
        UpstreamClosedAtMs = OpenedMs + (long)upstreamConnected.TotalMilliseconds,
        ClientClosedAtMs = OpenedMs + (long)upstreamConnected.TotalMilliseconds + 3,
        UpstreamConnected = upstreamConnected,
        CloseReason = "client_closed",
        CloseCode = 1000,
        CloseInitiator = "client",
    };

    /// <summary>An open record as a heartbeat leaves it in Redis: every field the record has, filled.</summary>
    private static SessionRecord OpenRecord() => TestSessionRecords.Described(clientOpenedAtMs: OpenedMs - 50, upstreamOpenedAtMs: OpenedMs + 50) with
    {
        AgentConfigId = "cfg-123",
        FramesIn = 40,
        FramesOut = 30,
        BytesIn = 128_000,
        BytesOut = 256_000,
        AudioMsIn = 3_900,
        LastSeenMs = OpenedMs + 50,
        LastActivityMs = OpenedMs + 50,
    };
}
