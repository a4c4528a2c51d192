using Proxy.Metering;
using Proxy.Sessions;

namespace Proxy.Tests.Metering;

public sealed class SessionRecordBuilderTests
{
    private const long OpenedMs = 1_764_151_200_000;

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

    /// <summary>An open record as a heartbeat leaves it in Redis: every field the record has, filled.</summary>
    private static SessionRecord OpenRecord() => new()
    {
        SessionId = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        ClientSessionId = "client-corr-42",
        CustomerId = "acme",
        KeyId = "key_0123456789abcdef0123",
        PlanId = "plan_basic",
        InstanceId = "proxy-a",
        DeepgramRequestId = "fc553ec9-5874-49ca-a47c-b670d525a4b1",
        AgentConfigId = "cfg-123",
        ClientOpenedAtMs = OpenedMs - 50,
        UpstreamOpenedAtMs = OpenedMs + 50,
        FramesIn = 40,
        FramesOut = 30,
        BytesIn = 128_000,
        BytesOut = 256_000,
        AudioMsIn = 3_900,
        ListenModel = "nova-3",
        ThinkProvider = "open_ai",
        ThinkModel = "gpt-4o-mini",
        SpeakModel = "aura-2-thalia-en",
        Tags = ["support", "eu"],
        Status = "open",
        LastSeenMs = OpenedMs + 50,
        LastActivityMs = OpenedMs + 50,
    };
}
