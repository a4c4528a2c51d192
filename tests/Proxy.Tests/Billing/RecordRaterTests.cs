using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Billing;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Billing;

public sealed class RecordRaterTests
{
    private const long OpenedAtMs = 1_796_000_000_000;

    private static readonly PlanVersion Voice = new()
    {
        PlanId = "voice",
        Version = 1,
        CreatedAtMs = OpenedAtMs - 10_000,
        Currency = "USD",
        PerMinuteMicros = 150_000,
        ModelRates = [new ModelRate(ModelComponent.Think, "gpt-5", 500_000)],
    };

    private static readonly PlanVersion VoiceV2 = Voice with { Version = 2, CreatedAtMs = OpenedAtMs + 1, PerMinuteMicros = 300_000 };

    private readonly FakePlans _plans = new(Voice, VoiceV2);

    [Fact]
    public async Task A_final_record_is_rated_by_the_version_in_force_when_its_upstream_opened()
    {
        var rated = await Rater().RateAsync(Session(durationMs: 300_000, think: "gpt-4o"));

        Assert.Equal((1, 300_000L, 750_000L, "USD"), (rated.PlanVersion, rated.RatedMs, rated.CostMicros, rated.Currency));
        Assert.Equal(750_000, rated.CostParts?.BaseMicros);
        Assert.Equal(OpenedAtMs, _plans.AskedAt);
    }

    [Fact]
    public async Task A_model_surcharge_is_kept_as_a_cost_part_named_by_component_and_model()
    {
        var rated = await Rater().RateAsync(Session(durationMs: 120_000, think: "gpt-5"));

        Assert.Equal(2 * (150_000 + 500_000), rated.CostMicros);
        Assert.Equal(1_000_000, rated.CostParts!.Surcharges["think:gpt-5"]);
        Assert.Equal(rated.CostMicros, rated.CostParts.PerSessionMicros + rated.CostParts.BaseMicros + rated.CostParts.Surcharges.Values.Sum());
    }

    [Fact]
    public async Task A_model_the_plan_lists_twice_is_one_surcharge_of_both_rates()
    {
        // Plan validation accepts a model listed twice for a component (the rater sums its rates); the property test
        // of usage and invoices found that such a plan made every final record of a session using the model fail
        // here ("An item with the same key has already been added. Key: think:gpt-5"), so it was neither stored nor
        // spooled.
        var twice = Voice with { ModelRates = [new ModelRate(ModelComponent.Think, "gpt-5", 500_000), new ModelRate(ModelComponent.Think, "gpt-5", 250_000)] };
        var rated = await new RecordRater(new FakePlans(twice), NullLogger<RecordRater>.Instance).RateAsync(Session(durationMs: 120_000, think: "gpt-5"));

        Assert.Equal(2 * (150_000 + 500_000 + 250_000), rated.CostMicros);
        Assert.Equal(1_500_000, Assert.Single(rated.CostParts!.Surcharges, s => s.Key == "think:gpt-5").Value);
        Assert.Equal(rated.CostMicros, rated.CostParts.PerSessionMicros + rated.CostParts.BaseMicros + rated.CostParts.Surcharges.Values.Sum());
    }

    [Fact]
    public async Task A_session_without_an_upstream_session_is_rated_zero_at_its_client_open()
    {
        var record = TestSessionRecords.Minimal(clientOpenedAtMs: OpenedAtMs) with { PlanId = "voice", Status = SessionStatus.Closed };
        var rated = await Rater().RateAsync(record);

        Assert.Equal((0L, 0L), (rated.RatedMs, rated.CostMicros));
        Assert.Equal(OpenedAtMs, _plans.AskedAt);
    }

    [Fact]
    public async Task Without_a_plan_or_a_version_in_force_the_record_is_stored_unrated()
    {
        var noPlan = Session(durationMs: 60_000) with { PlanId = null };
        Assert.Same(noPlan, await Rater().RateAsync(noPlan));

        var unknown = Session(durationMs: 60_000) with { PlanId = "gone" };
        Assert.Null((await Rater().RateAsync(unknown)).CostMicros);
    }

    [Fact]
    public async Task A_plan_that_cannot_be_read_now_fails_the_rating_so_the_record_is_spooled_and_rated_later()
    {
        _plans.Unavailable = true;
        await Assert.ThrowsAsync<StorageUnavailableException>(() => Rater().RateAsync(Session(durationMs: 60_000)).AsTask());
    }

    [Fact]
    public async Task Indicators_on_the_record_are_priced_by_the_same_version_and_keep_their_value_and_instant()
    {
        _plans.Add(Voice with { PlanId = "leads", Indicators = new Dictionary<string, IndicatorPrice>(StringComparer.Ordinal) { ["lead_qualified"] = new(200_000) } });
        var record = Session(durationMs: 60_000) with
        {
            PlanId = "leads",
            Indicators = new Dictionary<string, IndicatorOutcome>(StringComparer.Ordinal)
            {
                ["lead_qualified"] = new(2m, 0, OpenedAtMs + 10),
                ["csat"] = new(4.5m, 99, OpenedAtMs + 20),
            },
        };

        var rated = await Rater().RateAsync(record);

        Assert.Equal(150_000 + 200_000, rated.CostMicros);
        Assert.Equal(200_000, Assert.Single(rated.CostParts!.IndicatorFees).Value);
        Assert.Equal(new IndicatorOutcome(2m, 200_000, OpenedAtMs + 10), rated.Indicators!["lead_qualified"]);
        Assert.Equal(new IndicatorOutcome(4.5m, 0, OpenedAtMs + 20), rated.Indicators["csat"]);

        // Without an upstream session nothing is charged, indicators included.
        var noUpstream = await Rater().RateAsync(record with { UpstreamOpenedAtMs = null, DurationMs = null });
        Assert.Equal((0L, 0L), (noUpstream.CostMicros!.Value, noUpstream.Indicators!["lead_qualified"].FeeMicros));
    }

    private RecordRater Rater() => new(_plans, NullLogger<RecordRater>.Instance);

    private static SessionRecord Session(long durationMs, string? think = null) =>
        TestSessionRecords.Described(OpenedAtMs - 120, OpenedAtMs) with
        {
            PlanId = "voice",
            ThinkModel = think,
            UpstreamClosedAtMs = OpenedAtMs + durationMs,
            DurationMs = durationMs,
            BillableMs = BillingRules.BillableMs(durationMs),
            Status = SessionStatus.Closed,
        };

    private sealed class FakePlans(params PlanVersion[] versions) : IPlanVersions
    {
        private readonly List<PlanVersion> _versions = [.. versions];

        public void Add(PlanVersion version) => _versions.Add(version);

        public bool Unavailable { get; set; }

        public long? AskedAt { get; private set; }

        public Task<PlanVersion?> InForceAsync(string planId, long atMs)
        {
            AskedAt = atMs;
            if (Unavailable)
            {
                throw new StorageUnavailableException("down");
            }

            return Task.FromResult(_versions.Where(v => v.PlanId == planId && v.CreatedAtMs <= atMs).MaxBy(v => v.Version));
        }
    }
}
