using Proxy.Metering;
using Proxy.Storage;
using Proxy.Tests.TestSupport;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

public sealed class SessionRecordHashTests
{
    // Every field set (the ids and models by the builder), some to values a careless encoding would get wrong.
    private static readonly SessionRecord Full = TestSessionRecords.Described(clientOpenedAtMs: 1_795_689_000_000, upstreamOpenedAtMs: 1_795_689_000_007) with
    {
        AgentConfigId = "cfg-1",
        Credential = "token",
        UpstreamClosedAtMs = 1_795_689_000_207,
        ClientClosedAtMs = 1_795_689_000_210,
        DurationMs = 200,
        BillableMs = 1000,
        CloseReason = "client_closed",
        CloseCode = 1000,
        CloseInitiator = "client",
        UpstreamStatus = 401,
        FramesIn = 5,
        FramesOut = 4,
        BytesIn = 6_512,
        BytesOut = 5_000_000_000,
        AudioMsIn = 200,
        AudioMsOut = 1_250,
        UserChars = 0,
        AssistantChars = 4_321,
        SpeakProvider = "deepgram",
        ModelsSeen = ["listen:nova-3", "think:gpt-4o-mini", "speak:aura-2-thalia-en", "speak:aura-2-andromeda-en"],
        Tags = ["support", "eu", "with \"quotes\", commas"],
        Status = "closed",
        LastSeenMs = 1_795_689_000_210,
        LastActivityMs = 1_795_689_000_180,
        Estimated = true,
        RecordVersion = 2,
        PlanVersion = 3,
        RatedMs = 1000,
        CostMicros = 1_252_500,
        Currency = "USD",
        CostParts = new CostBreakdown
        {
            PerSessionMicros = 200_000,
            BaseMicros = 2_500,
            Surcharges = new Dictionary<string, long> { ["think:gpt-4o-mini"] = 50_000 },
            IndicatorFees = new Dictionary<string, long> { ["lead_qualified"] = 1_000_000 },
        },
        Indicators = new Dictionary<string, IndicatorOutcome> { ["lead_qualified"] = new(1m, 1_000_000, 1_795_689_001_000) },
    };

    [Fact]
    public void Record_with_every_field_round_trips()
    {
        var back = SessionRecordHash.FromHash(SessionRecordHash.ToHashEntries(Full));

        Assert.NotNull(back);
        Assert.Equal(Full.Tags, back.Tags);
        Assert.Equal(Full.ModelsSeen, back.ModelsSeen);
        Assert.Equal(Full.CostParts!.Surcharges, back.CostParts!.Surcharges);
        Assert.Equal(Full.CostParts.IndicatorFees, back.CostParts.IndicatorFees);
        Assert.Equal((Full.CostParts.PerSessionMicros, Full.CostParts.BaseMicros), (back.CostParts.PerSessionMicros, back.CostParts.BaseMicros));
        Assert.Equal(Full.Indicators, back.Indicators);
        Assert.Equal(Full with { Tags = back.Tags, ModelsSeen = back.ModelsSeen, CostParts = back.CostParts, Indicators = back.Indicators }, back);
    }

    [Fact]
    public void The_field_list_names_every_field_a_full_record_writes_in_order()
    {
        Assert.Equal(SessionRecordHash.ToEntries(Full).Select(e => (string)e.Name!), SessionRecordHash.FieldNames);
    }

    [Fact]
    public void Fields_use_the_snake_case_names_and_decimal_strings()
    {
        var fields = Fields(Full);

        Assert.Equal(45, fields.Count);
        Assert.Equal("token", fields["credential"]);
        Assert.Equal(("3", "1000", "1252500", "USD"), (fields["plan_version"], fields["rated_ms"], fields["cost_micros"], fields["currency"]));
        Assert.Equal("""{"per_session_micros":200000,"base_micros":2500,"surcharges":{"think:gpt-4o-mini":50000},"indicator_fees":{"lead_qualified":1000000}}""", fields["cost_parts"]);
        Assert.Equal("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", fields["session_id"]);
        Assert.Equal("client-corr-42", fields["client_session_id"]);
        Assert.Equal("fc553ec9-5874-49ca-a47c-b670d525a4b1", fields["deepgram_request_id"]);
        Assert.Equal("1795689000007", fields["upstream_opened_at_ms"]);
        Assert.Equal("200", fields["duration_ms"]);
        Assert.Equal("1000", fields["billable_ms"]);
        Assert.Equal("1000", fields["close_code"]);
        Assert.Equal("401", fields["upstream_status"]);
        Assert.Equal("5000000000", fields["bytes_out"]);
        Assert.Equal("200", fields["audio_ms_in"]);
        Assert.Equal("1250", fields["audio_ms_out"]);
        Assert.Equal("0", fields["user_chars"]);
        Assert.Equal("4321", fields["assistant_chars"]);
        Assert.Equal("deepgram", fields["speak_provider"]);
        Assert.Equal("""["listen:nova-3","think:gpt-4o-mini","speak:aura-2-thalia-en","speak:aura-2-andromeda-en"]""", fields["models_seen"]);
        Assert.Equal("[\"support\",\"eu\",\"with \\u0022quotes\\u0022, commas\"]", fields["tags"]);
        Assert.Equal("closed", fields["status"]);
        Assert.Equal("true", fields["estimated"]);
        Assert.Equal("2", fields["record_version"]);
    }

    [Fact]
    public void Minimal_record_keeps_nulls_null_and_tags_empty()
    {
        var minimal = TestSessionRecords.Minimal();

        var fields = Fields(minimal);
        var back = SessionRecordHash.FromHash(SessionRecordHash.ToHashEntries(minimal));

        Assert.Equal(
            ["session_id", "customer_id", "key_id", "instance_id", "client_opened_at_ms", "frames_in", "frames_out", "bytes_in", "bytes_out", "models_seen", "tags", "status", "estimated"],
            fields.Keys);
        Assert.Equal("[]", fields["tags"]);
        Assert.Equal("[]", fields["models_seen"]);
        Assert.Equal("false", fields["estimated"]);
        Assert.NotNull(back);
        Assert.Empty(back.Tags);
        Assert.Null(back.ClientSessionId);
        Assert.Null(back.PlanId);
        Assert.Null(back.DeepgramRequestId);
        Assert.Null(back.UpstreamOpenedAtMs);
        Assert.Null(back.DurationMs);
        Assert.Null(back.BillableMs);
        Assert.Null(back.CloseCode);
        Assert.Null(back.UpstreamStatus);
        Assert.Null(back.AudioMsIn);
        Assert.Null(back.AudioMsOut);
        Assert.Null(back.UserChars);
        Assert.Null(back.AssistantChars);
        Assert.Null(back.SpeakProvider);
        Assert.Empty(back.ModelsSeen);
        Assert.Null(back.LastSeenMs);
        Assert.False(back.Estimated);
        Assert.Equal(minimal with { Tags = back.Tags, ModelsSeen = back.ModelsSeen }, back);
    }

    [Fact]
    public void Zero_values_are_written_not_dropped()
    {
        var record = Full with { DurationMs = 0, BillableMs = 0, AudioMsIn = 0, FramesIn = 0 };

        var fields = Fields(record);

        Assert.Equal("0", fields["duration_ms"]);
        Assert.Equal("0", fields["billable_ms"]);
        Assert.Equal("0", fields["audio_ms_in"]);
        Assert.Equal("0", fields["frames_in"]);
    }

    [Fact]
    public void Stream_entries_and_hash_entries_carry_the_same_fields()
    {
        var entries = SessionRecordHash.ToEntries(Full);
        var hash = SessionRecordHash.ToHashEntries(Full);

        Assert.Equal(
            entries.Select(e => (e.Name.ToString(), e.Value.ToString())),
            hash.Select(h => (h.Name.ToString(), h.Value.ToString())));
    }

    [Fact]
    public void Empty_hash_is_no_record()
    {
        Assert.Null(SessionRecordHash.FromHash([]));
    }

    [Fact]
    public void Missing_or_unparsable_fields_read_as_defaults()
    {
        var back = SessionRecordHash.FromHash(
        [
            new HashEntry("session_id", "s-2"),
            new HashEntry("duration_ms", "not a number"),
            new HashEntry("frames_in", "12"),
            new HashEntry("estimated", "yes"),
        ]);

        Assert.NotNull(back);
        Assert.Equal("s-2", back.SessionId);
        Assert.Equal(string.Empty, back.CustomerId);
        Assert.Null(back.DurationMs);
        Assert.Equal(12, back.FramesIn);
        Assert.Equal("open", back.Status);
        Assert.False(back.Estimated);
        Assert.Empty(back.Tags);
    }

    [Fact]
    public void A_record_written_before_the_derived_usage_fields_reads_with_them_absent()
    {
        // The hash of a closed record as the previous version wrote it: no audio_ms_out, chars, speak_provider or
        // models_seen.
        var back = SessionRecordHash.FromHash(
        [
            new HashEntry("session_id", "s-old"),
            new HashEntry("customer_id", "acme"),
            new HashEntry("key_id", "key_1"),
            new HashEntry("instance_id", "proxy-a"),
            new HashEntry("client_opened_at_ms", "1795689000000"),
            new HashEntry("duration_ms", "1200"),
            new HashEntry("audio_ms_in", "800"),
            new HashEntry("speak_model", "aura-2-thalia-en"),
            new HashEntry("tags", "[\"a\"]"),
            new HashEntry("status", "closed"),
        ]);

        Assert.NotNull(back);
        Assert.Equal(800, back.AudioMsIn);
        Assert.Equal("aura-2-thalia-en", back.SpeakModel);
        Assert.Null(back.AudioMsOut);
        Assert.Null(back.UserChars);
        Assert.Null(back.AssistantChars);
        Assert.Null(back.SpeakProvider);
        Assert.Empty(back.ModelsSeen);
        Assert.Equal(["a"], back.Tags);
    }

    private static Dictionary<string, string> Fields(SessionRecord record)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in SessionRecordHash.ToHashEntries(record))
        {
            fields.Add(entry.Name.ToString(), entry.Value.ToString());
        }

        return fields;
    }
}
