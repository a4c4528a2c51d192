using Proxy.Billing;
using Proxy.Metering;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Billing;

public sealed class ReconciliationMatcherTests
{
    // 2026-12-01T00:00:00Z .. 2026-12-02T00:00:00Z.
    private const long DayStart = 1_796_083_200_000;
    private static readonly ReconciliationPeriod Day = new(DayStart, DayStart + 86_400_000);

    [Fact]
    public void Records_match_requests_by_request_id_and_the_rest_is_missing_on_its_side()
    {
        var matcher = new ReconciliationMatcher(Day, [Request("r-1", 1_000), Request("r-2", 2_000), Request("r-unknown", 3_000)]);
        matcher.Observe(Closed("s-1", "r-1", openedAt: 1_000, durationMs: 5_000));
        matcher.Observe(Closed("s-2", "r-2", openedAt: 2_000, durationMs: 5_000));
        matcher.Observe(Closed("s-3", "r-ours-only", openedAt: 3_000, durationMs: 5_000));

        var report = matcher.Finish(customer: "acme", ranAtMs: 42);

        Assert.Equal(2, report.Matched);
        Assert.Equal(0, report.MatchedByOverlap);
        Assert.Equal(["r-unknown"], report.MissingInRecords);
        Assert.Equal(["s-3"], report.MissingAtDeepgram);
        Assert.Equal(1, report.MissingInRecordsCount);
        Assert.Equal(1, report.MissingAtDeepgramCount);
        Assert.Equal(3, report.Records);
        Assert.Equal(3, report.DeepgramRequests);
        Assert.Equal("acme", report.Customer);
        Assert.Equal("2026-12-01T00:00:00.000Z", report.From);
        Assert.Equal("2026-12-02T00:00:00.000Z", report.To);
    }

    [Fact]
    public void Duration_drift_is_summed_and_maxed_over_the_pairs_where_deepgram_gives_a_duration()
    {
        var matcher = new ReconciliationMatcher(Day,
        [
            Request("r-1", 1_000, durationMs: 5_010),
            Request("r-2", 2_000, durationMs: 4_970),
            Request("r-3", 3_000, durationMs: null),
        ]);
        matcher.Observe(Closed("s-1", "r-1", openedAt: 1_000, durationMs: 5_000));
        matcher.Observe(Closed("s-2", "r-2", openedAt: 2_000, durationMs: 5_000));
        matcher.Observe(Closed("s-3", "r-3", openedAt: 3_000, durationMs: 9_999));

        var report = matcher.Finish(null, 0);

        Assert.Equal(3, report.Matched);
        Assert.Equal(new DurationDrift(Total: 40, Max: 30, Compared: 2), report.DurationDriftMs);
    }

    [Fact]
    public void A_record_without_a_request_id_matches_the_free_request_created_within_its_upstream_time_one_to_one()
    {
        // Two records without an id at 10 s and 10.5 s; Deepgram has requests created at 10.2 s and 10.6 s, and one at
        // 60 s that overlaps neither (±2 s around 10..15 s and 10.5..12 s).
        var matcher = new ReconciliationMatcher(Day,
        [
            Request("r-a", 10_200, durationMs: 5_000),
            Request("r-b", 10_600),
            Request("r-far", 60_000),
            Request("r-id", 20_000),
        ]);
        matcher.Observe(Closed("s-id", "r-id", openedAt: 20_000, durationMs: 1_000));
        matcher.Observe(Closed("s-a", null, openedAt: 10_000, durationMs: 5_000));
        matcher.Observe(Closed("s-b", null, openedAt: 10_500, durationMs: 1_500));
        matcher.Observe(Closed("s-c", null, openedAt: 30_000, durationMs: 1_000));

        var report = matcher.Finish(null, 0);

        Assert.Equal(3, report.Matched);
        Assert.Equal(2, report.MatchedByOverlap);
        Assert.Equal(["r-far"], report.MissingInRecords);
        Assert.Equal(["s-c"], report.MissingAtDeepgram);
        Assert.Equal(new DurationDrift(0, 0, 1), report.DurationDriftMs);
    }

    [Fact]
    public void A_request_already_matched_by_id_is_not_taken_again_by_overlap()
    {
        var matcher = new ReconciliationMatcher(Day, [Request("r-1", 1_000)]);
        matcher.Observe(Closed("s-without-id", null, openedAt: 1_000, durationMs: 1_000));
        matcher.Observe(Closed("s-1", "r-1", openedAt: 1_000, durationMs: 1_000));

        var report = matcher.Finish(null, 0);

        Assert.Equal(1, report.Matched);
        Assert.Equal(0, report.MatchedByOverlap);
        Assert.Equal(["s-without-id"], report.MissingAtDeepgram);
    }

    [Fact]
    public void Records_without_an_upstream_session_or_outside_the_period_are_not_expected_at_deepgram()
    {
        var matcher = new ReconciliationMatcher(Day, []);
        matcher.Observe(TestSessionRecords.Minimal("s-refused", clientOpenedAtMs: DayStart + 1_000) with { Status = SessionStatus.Closed });
        matcher.Observe(Closed("s-before", "r-x", openedAt: -1, durationMs: 1_000));
        matcher.Observe(Closed("s-after", "r-y", openedAt: 86_400_000, durationMs: 1_000));

        var report = matcher.Finish(null, 0);

        Assert.Equal(0, report.Records);
        Assert.Empty(report.MissingAtDeepgram);
    }

    [Fact]
    public void An_unmatched_request_created_outside_the_period_is_counted_apart_not_missing()
    {
        var matcher = new ReconciliationMatcher(Day, [Request("r-yesterday", -5_000), Request("r-today", 5_000)]);

        var report = matcher.Finish(null, 0);

        Assert.Equal(["r-today"], report.MissingInRecords);
        Assert.Equal(1, report.OutsidePeriod);
    }

    [Fact]
    public void An_open_record_listed_by_deepgram_is_neither_matched_nor_missing_and_one_not_listed_is_not_missing()
    {
        var matcher = new ReconciliationMatcher(Day, [Request("r-live", 1_000)]);
        matcher.Observe(Open("s-live", "r-live", openedAt: 1_000));
        matcher.Observe(Open("s-live-2", "r-live-2", openedAt: 2_000));

        var report = matcher.Finish(null, 0);

        Assert.Equal(0, report.Matched);
        Assert.Empty(report.MissingInRecords);
        Assert.Empty(report.MissingAtDeepgram);
        Assert.Equal(2, report.OpenRecords);
    }

    [Fact]
    public void A_request_listed_twice_is_one_request_and_the_lists_are_capped_but_the_counts_are_not()
    {
        var requests = Enumerable.Range(0, ReconciliationMatcher.ListLimit + 5).Select(i => Request($"r-{i:D5}", i)).ToList();
        requests.Add(Request("r-00000", 0));
        var matcher = new ReconciliationMatcher(Day, requests);

        var report = matcher.Finish(null, 0);

        Assert.Equal(ReconciliationMatcher.ListLimit + 5, report.DeepgramRequests);
        Assert.Equal(ReconciliationMatcher.ListLimit, report.MissingInRecords.Count);
        Assert.Equal(ReconciliationMatcher.ListLimit + 5, report.MissingInRecordsCount);
        Assert.Equal("r-00000", report.MissingInRecords[0]);
    }

    private static DeepgramRequest Request(string id, long createdOffsetMs, long? durationMs = null) =>
        new(id, DayStart + createdOffsetMs, "/v1/agent/converse", "k", durationMs);

    private static SessionRecord Open(string sessionId, string? requestId, long openedAt) =>
        TestSessionRecords.Minimal(sessionId, clientOpenedAtMs: DayStart + openedAt - 5) with
        {
            DeepgramRequestId = requestId,
            UpstreamOpenedAtMs = DayStart + openedAt,
        };

    private static SessionRecord Closed(string sessionId, string? requestId, long openedAt, long durationMs) =>
        Open(sessionId, requestId, openedAt) with
        {
            Status = SessionStatus.Closed,
            UpstreamClosedAtMs = DayStart + openedAt + durationMs,
            DurationMs = durationMs,
        };
}
