using System.Diagnostics;
using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Billing;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Tests.Storage;
using Proxy.Tests.TestSupport;
using Xunit.Abstractions;

namespace Proxy.Tests.Billing;

/// <summary>
/// Usage aggregates and invoices equal the sums of the stored final records, for generated sets of sessions: written
/// through the real path (RecordWriter with the real RecordRater and PlanCatalog, the finalize Lua, IndicatorPosting
/// and the indicator Lua) into a real redis-server, then read back by the real readers (UsageStore and UsageReport,
/// InvoiceService). A case runs in phases: after each phase but the last its month (then the next, …) is finalized,
/// and what happens in later phases – late records, indicators, measurements replacing estimates – must show up
/// exactly once as adjustment lines on the first month that is not finalized. Every case has its own key prefix.
/// </summary>
public sealed class UsageAndInvoicePropertyTests : IClassFixture<SessionRecordStoreTests.Redis>
{
    private const int Cases = 40;
    private const int ThreeHoursMs = 3 * 60 * 60 * 1000;
    private const int DayMs = 24 * 60 * 60 * 1000;
    private const string Customer = "acme";
    private const string PlanId = "voice";

    // The sessions' month: three months back, so it and the two after it have ended (they can be finalized) whatever
    // today is.
    private static readonly DateOnly Month = FirstDayOf(DateTime.UtcNow).AddMonths(-3);
    private static readonly int DaysInMonth = DateTime.DaysInMonth(Month.Year, Month.Month);
    private static readonly long MonthStartMs = UnixMs(Month);

    private static readonly string[] KeyIds = ["key_a", "key_b"];
    private static readonly string[] Models = ["gpt-5", "nova-3", "aura-2"];
    private static readonly string[] IndicatorNames = ["lead_qualified", "booked", "csat"];

    private readonly SessionRecordStoreTests.Redis _redis;
    private readonly ITestOutputHelper _output;

    public UsageAndInvoicePropertyTests(SessionRecordStoreTests.Redis redis, ITestOutputHelper output)
    {
        _redis = redis;
        _output = output;
    }

    [Fact]
    public async Task Usage_reports_and_invoices_equal_the_sums_of_the_stored_records()
    {
        var ran = 0;
        var carried = 0;
        var clock = Stopwatch.StartNew();
        var property = Prop.ForAll(Arb.From(CaseGen, Shrink), c =>
        {
            ran++;
            // Off xUnit's synchronization context: the property is synchronous, the stores are not.
            var (mismatch, adjustments) = Task.Run(() => RunAsync(c)).GetAwaiter().GetResult();
            carried += adjustments;
            return (mismatch is null).Label(mismatch ?? string.Empty);
        });

        await Task.Run(() => Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true), property));
        _output.WriteLine($"{ran} cases in {clock.Elapsed.TotalSeconds:0.0} s, {carried} adjustment lines checked");
        Assert.True(ran >= Cases, $"only {ran} cases ran");

        // Not vacuous: late changes to finalized months were made and billed.
        Assert.True(carried > 0, "no case made an adjustment");
    }

    // ---- the generated cases ----

    private static readonly Gen<ModelRate> ModelRateGen =
        from component in Gen.Elements(ModelComponent.Listen, ModelComponent.Think, ModelComponent.Speak)
        from model in Gen.Elements(Models)
        from rate in Gen.Choose(1, 2_000_000)
        select new ModelRate(component, model, rate);

    private static readonly Gen<PlanTerms> TermsGen =
        from rounding in Gen.Elements(RatingRounding.ExactMs, RatingRounding.CeilSecond, RatingRounding.CeilMinute)
        from minimumMs in Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Constant(1000)), (1, Gen.Choose(0, 120_000)))
        from perMinute in Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 1_000_000)))
        from perSession in Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Choose(1, 500_000)))
        from modelRates in Gen.Choose(0, 3).SelectMany(n => Gen.ListOf(ModelRateGen, n))
        from priced in Gen.SubListOf(IndicatorNames)
        from fees in Gen.ListOf(Gen.Choose(0, 300_000), priced.Count)
        select new PlanTerms(0, rounding, minimumMs, perMinute, perSession, [.. modelRates], [.. priced.Zip(fees)]);

    // Instants within the month; some right after midnight (the client opened the day before, and on the first day
    // the month before) or right before it.
    private static readonly Gen<long> InstantGen =
        from day in Gen.Choose(0, DaysInMonth - 1)
        from msOfDay in Gen.Frequency((6, Gen.Choose(0, DayMs - 1)), (1, Gen.Choose(0, 200)), (1, Gen.Choose(DayMs - 200, DayMs - 1)))
        select ((long)day * DayMs) + msOfDay;

    private static readonly Gen<string?> ModelGen = Gen.Elements(Models).Select(m => (string?)m).OrNull();

    private static Gen<Step> IndicatorStepGen(int first, int phases) =>
        from phase in Gen.Choose(first, phases)
        from name in Gen.Elements(IndicatorNames)
        from value in Gen.Frequency((3, Gen.Constant(1)), (1, Gen.Constant(2)))
        select new Step(phase, name, value);

    private static Gen<SessionCase> SessionGen(int number, int phases) =>
        from key in Gen.Elements(KeyIds)
        from openedAt in InstantGen
        from durationMs in Gen.Frequency((1, Gen.Constant((long?)null)), (6, Gen.Choose(0, ThreeHoursMs).Select(d => (long?)d)))
        from estimated in Gen.Frequency((3, Gen.Constant(false)), (2, Gen.Constant(true)))
        from estimateMs in Gen.Choose(0, ThreeHoursMs)
        from listen in ModelGen
        from think in ModelGen
        from speak in ModelGen
        from written in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(0, phases)))
        from indicators in Gen.Choose(0, 4).SelectMany(n => Gen.ListOf(IndicatorStepGen(written, phases), n))
        from replacedIn in Gen.Choose(written, phases)
        from replacedAt in Gen.Choose(0, indicators.Count)
        let hasEstimate = estimated && durationMs is not null
        let steps = hasEstimate ? indicators.Take(replacedAt).Append(new Step(replacedIn, null, 0)).Concat(indicators.Skip(replacedAt)) : indicators
        select new SessionCase(
            number, key, openedAt, durationMs, hasEstimate ? estimateMs : null, listen, think, speak, written,
            [.. steps.OrderBy(s => s.Phase)]);

    private static readonly Gen<BillingCase> CaseGen =
        from phases in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Constant(1)), (2, Gen.Constant(2)))
        from versionCount in Gen.Choose(1, 3)
        from terms in Gen.ListOf(TermsGen, versionCount)
        from firstBeforeMonth in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
        from starts in Gen.ListOf(InstantGen, versionCount)
        from sessionCount in Gen.Choose(1, 15)
        from sessions in Enumerable.Range(1, sessionCount).Select(n => SessionGen(n, phases)).Aggregate(
            Gen.Constant(Enumerable.Empty<SessionCase>()), (all, next) => all.SelectMany(list => next.Select(s => list.Append(s))))
        let ordered = starts.Order().Select((s, i) => i == 0 && firstBeforeMonth ? -DayMs : s).ToArray()
        select new BillingCase(phases, [.. terms.Select((t, i) => t with { StartsAtMs = ordered[i] })], [.. sessions]);

    private static IEnumerable<BillingCase> Shrink(BillingCase c)
    {
        for (var i = 0; i < c.Sessions.Count; i++)
        {
            yield return c with { Sessions = [.. c.Sessions.Where((_, j) => j != i)] };
        }

        for (var i = 1; i < c.Versions.Count; i++)
        {
            yield return c with { Versions = [.. c.Versions.Where((_, j) => j != i)] };
        }

        if (c.Phases > 0)
        {
            var fewer = c.Phases - 1;
            yield return c with
            {
                Phases = fewer,
                Sessions = [.. c.Sessions.Select(s => s with
                {
                    WrittenIn = Math.Min(s.WrittenIn, fewer),
                    Steps = [.. s.Steps.Select(t => t with { Phase = Math.Min(t.Phase, fewer) })],
                })],
            };
        }

        for (var i = 0; i < c.Sessions.Count; i++)
        {
            var session = c.Sessions[i];
            for (var j = 0; j < session.Steps.Count; j++)
            {
                if (session.Steps[j].Indicator is not null)
                {
                    var k = j;
                    yield return c with { Sessions = [.. c.Sessions.Select((s, n) => n == i ? s with { Steps = [.. s.Steps.Where((_, m) => m != k)] } : s)] };
                }
            }
        }
    }

    // ---- one case against Redis ----

    /// <summary>The first mismatch (null when none), and how many adjustment lines the case's invoices had.</summary>
    private async Task<(string? Mismatch, int Adjustments)> RunAsync(BillingCase c)
    {
        var adjustments = 0;
        var connection = _redis.Server.Connection!;
        var keys = new RedisKeys($"prop{Guid.NewGuid():N}:");
        var options = Options.Create(new StorageOptions());
        var index = new SessionIndexStore(connection, keys, options);
        var records = new SessionRecordStore(connection, keys, index, TestRecordsStream.Appender(connection, keys), options);
        var plans = new PlanStore(connection, keys);
        using var spool = new RecordSpool(options, NullLogger<RecordSpool>.Instance, new MemorySpoolFileSystem());
        var catalog = new PlanCatalog(plans, NullLogger<PlanCatalog>.Instance);
        var finals = new FinalRecordCommitter(records, new RecordRater(catalog, NullLogger<RecordRater>.Instance), NullLogger<FinalRecordCommitter>.Instance);
        var writer = new RecordWriter(records, finals, spool, new ReplicaAcknowledgement(connection, options, TimeProvider.System, NullLogger<ReplicaAcknowledgement>.Instance), keys, connection, TestMetrics.Create(), TimeProvider.System, NullLogger<RecordWriter>.Instance);
        var posting = new IndicatorPosting(
            new IndicatorStore(connection, keys, index, TestRecordsStream.Appender(connection, keys), NullLogger<IndicatorStore>.Instance), plans, catalog, TestMetrics.Create());
        var invoiceStore = new InvoiceStore(connection, keys);
        var invoices = new InvoiceService(invoiceStore, NullLogger<InvoiceService>.Instance);
        var usage = new UsageStore(connection, keys);

        await PutPlanAsync(c, plans, connection.GetDatabase(), keys);
        var snapshots = new List<Invoice>();
        for (var phase = 0; phase <= c.Phases; phase++)
        {
            foreach (var session in c.Sessions.Where(s => s.WrittenIn == phase))
            {
                await writer.WriteOpenAsync(Opened(session));
                await writer.FinalizeAsync(session.EstimateMs is { } estimate ? Closed(session, estimate, estimated: true) : Closed(session, session.DurationMs, estimated: false));
            }

            foreach (var session in c.Sessions)
            {
                foreach (var step in session.Steps.Where(s => s.Phase == phase))
                {
                    if (step.Indicator is { } name)
                    {
                        await posting.PostAsync(SessionId(session), name, step.Value);
                    }
                    else
                    {
                        await writer.FinalizeAsync(Closed(session, session.DurationMs, estimated: false));
                    }
                }
            }

            var written = c.Sessions.Where(s => s.WrittenIn <= phase).Select(SessionId).ToList();
            var stored = await records.GetManyAsync(Customer, written);
            if (await CheckAsync(phase, stored, usage, invoiceStore, invoices, snapshots) is { } mismatch)
            {
                return ($"after phase {phase}: {mismatch}", adjustments);
            }

            if (phase < c.Phases)
            {
                var month = new InvoiceMonth(Month.AddMonths(phase));
                var open = await invoices.GetAsync(Customer, month);
                var final = await invoices.FinalizeAsync(Customer, month);
                if (final is null)
                {
                    return ($"{month} could not be finalized", adjustments);
                }

                if (Describe(final.Lines) != Describe(open.Lines) || final.TotalMicros != open.TotalMicros)
                {
                    return ($"the snapshot of {month} is not the invoice just read:\n{Describe(final.Lines)}\nvs\n{Describe(open.Lines)}", adjustments);
                }

                adjustments += final.Lines.Count(l => l.Kind == InvoiceLine.Adjustment);
                snapshots.Add(final);
            }
        }

        var last = await invoices.GetAsync(Customer, new InvoiceMonth(Month.AddMonths(c.Phases)));
        return (null, adjustments + last.Lines.Count(l => l.Kind == InvoiceLine.Adjustment));
    }

    private static async Task<string?> CheckAsync(
        int phase, IReadOnlyList<SessionRecord> stored, UsageStore usage, InvoiceStore invoiceStore, InvoiceService invoices, List<Invoice> snapshots)
    {
        var range = new UsageRange(Month, Month.AddDays(DaysInMonth - 1));
        var days = await usage.ReadAsync(Customer, range);
        foreach (var grouping in new[] { UsageGrouping.Day, UsageGrouping.Key, UsageGrouping.Model })
        {
            if (!UsageReport.TryBuild(Customer, range, grouping, days, out var report, out _))
            {
                return $"the usage report by {grouping} has mixed currencies";
            }

            var expectedRows = grouping switch
            {
                UsageGrouping.Day => stored.GroupBy(r => DayOf(r).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Select(g => (g.Key, Sums(g))),
                UsageGrouping.Key => stored.GroupBy(r => r.KeyId).Select(g => (g.Key, Sums(g))),
                _ => stored.SelectMany(r => ModelStages.OfSettings(r).Select(m => (Model: m, Record: r)))
                    .GroupBy(x => $"{x.Model.Component}:{x.Model.Model}")
                    .Select(g => (g.Key, Sums(g.Select(x => x.Record)) with { Surcharge = g.Sum(x => SurchargeOf(x.Record, g.Key)) })),
            };
            var expected = Describe(expectedRows);
            var actual = Describe(report.Rows.Select(r => (
                r.Day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? r.KeyId ?? $"{r.Component}:{r.Model}",
                new RowSums(r.Sessions, r.DurationMs, r.BillableMs, r.RatedMs, r.CostMicros, grouping == UsageGrouping.Model ? r.SurchargeMicros ?? 0 : 0))));
            if (expected != actual)
            {
                return $"usage rows by {grouping}: the records say\n{expected}\nthe report says\n{actual}";
            }

            var total = Sums(stored);
            if (report.Total != new UsageTotals(total.Sessions, total.DurationMs, total.BillableMs, total.RatedMs, total.CostMicros))
            {
                return $"usage total: the records say {total}, the report says {report.Total}";
            }
        }

        // The month's own lines, as its hash says now (finalized or not), are the records' sums.
        var expectedLines = ExpectedLines(stored);
        var nowLines = InvoiceBuilder.Build(Customer, new InvoiceMonth(Month), await invoiceStore.ReadMonthAsync(Customer, new InvoiceMonth(Month))).Lines;
        if (Describe(expectedLines) != Describe(nowLines))
        {
            return $"the month's lines: the records say\n{Describe(expectedLines)}\nthe month hash says\n{Describe(nowLines)}";
        }

        // A finalized month never changes.
        for (var i = 0; i < snapshots.Count; i++)
        {
            var snapshot = snapshots[i];
            var reread = await invoices.GetAsync(Customer, new InvoiceMonth(Month.AddMonths(i)));
            if (reread.Status != Invoice.Final || Describe(reread.Lines) != Describe(snapshot.Lines) || reread.TotalMicros != snapshot.TotalMicros)
            {
                return $"the finalized {snapshot.Month} changed:\n{Describe(reread.Lines)}\nwas\n{Describe(snapshot.Lines)}";
            }
        }

        // What was billed for the month – its snapshot or its open invoice, plus every adjustment of it on the months
        // after (finalized ones' snapshots and the first open one) – is exactly the records' sum, line by line.
        var open = await invoices.GetAsync(Customer, new InvoiceMonth(Month.AddMonths(phase)));
        var billed = snapshots.Append(open).ToList();
        var totalCost = stored.Sum(r => r.CostMicros ?? 0);
        if (billed.Sum(i => i.TotalMicros) != totalCost)
        {
            return $"the invoices total {billed.Sum(i => i.TotalMicros)} ({string.Join(" + ", billed.Select(i => $"{i.Month}: {i.TotalMicros}"))}) but the records cost {totalCost}";
        }

        foreach (var invoice in billed)
        {
            if (invoice.Lines.Sum(l => l.AmountMicros) != invoice.TotalMicros)
            {
                return $"the lines of {invoice.Month} do not add up to its total {invoice.TotalMicros}:\n{Describe(invoice.Lines)}";
            }

            if (invoice.Month != Month.ToString("yyyy-MM", CultureInfo.InvariantCulture)
                && invoice.Lines.FirstOrDefault(l => l.Kind != InvoiceLine.Adjustment || l.AdjustsMonth != Month.ToString("yyyy-MM", CultureInfo.InvariantCulture)) is { } stray)
            {
                return $"{invoice.Month} has a line that is not an adjustment of {Month:yyyy-MM}: {Describe([stray])}";
            }
        }

        var billedByLine = Net(billed.SelectMany(i => i.Lines).Select(l => l.Kind == InvoiceLine.Adjustment ? l with { Kind = l.AdjustsKind!, AdjustsMonth = null, AdjustsKind = null, Sessions = null } : l with { Sessions = null }));
        var recordsByLine = Net(expectedLines.Select(l => l with { Sessions = null }));
        return billedByLine == recordsByLine
            ? null
            : $"billed per line (snapshots and adjustments):\n{billedByLine}\nthe records per line:\n{recordsByLine}";
    }

    // ---- expectations from the records ----

    private static List<InvoiceLine> ExpectedLines(IReadOnlyList<SessionRecord> stored)
    {
        var lines = new List<InvoiceLine>();
        var rated = stored.Where(r => r is { PlanId: not null, PlanVersion: not null, CostParts: not null }).ToList();
        foreach (var version in rated.GroupBy(r => (r.PlanId!, r.PlanVersion!.Value)).OrderBy(g => g.Key.Item1, StringComparer.Ordinal).ThenBy(g => g.Key.Item2))
        {
            var (planId, number) = version.Key;
            long sessions = version.Count();
            lines.Add(new InvoiceLine
            {
                Kind = InvoiceLine.Usage, PlanId = planId, PlanVersion = number, Sessions = sessions, Unit = "ms",
                Quantity = version.Sum(r => r.RatedMs ?? 0), AmountMicros = version.Sum(r => r.CostParts!.BaseMicros),
            });
            var perSession = version.Sum(r => r.CostParts!.PerSessionMicros);
            if (perSession != 0)
            {
                lines.Add(new InvoiceLine
                {
                    Kind = InvoiceLine.FlatFee, PlanId = planId, PlanVersion = number, Sessions = sessions, Quantity = sessions,
                    Unit = "session", AmountMicros = perSession,
                });
            }
        }

        foreach (var model in stored.SelectMany(r => ModelStages.OfSettings(r).Select(m => (Model: m, Record: r))).GroupBy(x => x.Model)
            .OrderBy(g => g.Key.Component, StringComparer.Ordinal).ThenBy(g => g.Key.Model, StringComparer.Ordinal))
        {
            var surcharge = model.Sum(x => SurchargeOf(x.Record, $"{model.Key.Component}:{model.Key.Model}"));
            if (surcharge != 0)
            {
                lines.Add(new InvoiceLine
                {
                    Kind = InvoiceLine.ModelSurcharge, Component = model.Key.Component, Model = model.Key.Model, Sessions = model.Count(),
                    Quantity = model.Count(), Unit = "session", AmountMicros = surcharge,
                });
            }
        }

        foreach (var indicator in stored.SelectMany(r => r.Indicators ?? new Dictionary<string, IndicatorOutcome>()).GroupBy(i => i.Key).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            lines.Add(new InvoiceLine
            {
                Kind = InvoiceLine.Indicator, Name = indicator.Key, Quantity = indicator.Count(), Unit = "indicator",
                AmountMicros = indicator.Sum(i => i.Value.FeeMicros),
            });
        }

        return lines;
    }

    private static RowSums Sums(IEnumerable<SessionRecord> records) => records.Aggregate(
        new RowSums(0, 0, 0, 0, 0, 0),
        (sums, r) => new RowSums(sums.Sessions + 1, sums.DurationMs + (r.DurationMs ?? 0), sums.BillableMs + (r.BillableMs ?? 0), sums.RatedMs + (r.RatedMs ?? 0), sums.CostMicros + (r.CostMicros ?? 0), 0));

    private static long SurchargeOf(SessionRecord record, string componentModel) =>
        record.CostParts?.Surcharges.GetValueOrDefault(componentModel) ?? 0;

    private static DateOnly DayOf(SessionRecord record) =>
        DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeMilliseconds(record.UpstreamOpenedAtMs ?? record.ClientOpenedAtMs).UtcDateTime);

    // ---- the records and the plan of a case ----

    private static async Task PutPlanAsync(BillingCase c, PlanStore plans, StackExchange.Redis.IDatabase db, RedisKeys keys)
    {
        foreach (var terms in c.Versions)
        {
            var created = (await plans.PutAsync(terms.ToPlanVersion())).Created!;

            // PutAsync stamps a version with Redis's clock; the case's versions took effect within its (past) month,
            // so the stamp is moved there. Everything that reads the plan (PlanCatalog, IndicatorPosting) is real.
            await db.HashSetAsync(keys.PlanVersions(PlanId), $"{created.Version}:created_at_ms", MonthStartMs + terms.StartsAtMs);
        }
    }

    private static string SessionId(SessionCase session) => $"0193a1b2-c3d4-7e5f-8a9b-{session.Number:D12}";

    private static SessionRecord Opened(SessionCase session) =>
        // The client opened 100 ms before the upstream, but never before the month: a session without an upstream session
        // counts on its client's day, and the case's checks read the case's month.
        TestSessionRecords.Minimal(SessionId(session), Customer, clientOpenedAtMs: MonthStartMs + Math.Max(0, session.OpenedAtMs - 100)) with
        {
            KeyId = session.KeyId,
            PlanId = PlanId,
            UpstreamOpenedAtMs = session.DurationMs is null ? null : MonthStartMs + session.OpenedAtMs,
            ListenModel = session.Listen,
            ThinkModel = session.Think,
            SpeakModel = session.Speak,
        };

    private static SessionRecord Closed(SessionCase session, long? durationMs, bool estimated)
    {
        var opened = Opened(session);
        var closedAtMs = (opened.UpstreamOpenedAtMs ?? opened.ClientOpenedAtMs) + (durationMs ?? 0);
        return opened with
        {
            UpstreamClosedAtMs = opened.UpstreamOpenedAtMs is null ? null : closedAtMs,
            ClientClosedAtMs = closedAtMs + 2,
            DurationMs = durationMs,
            BillableMs = durationMs is { } ms ? BillingRules.BillableMs(ms) : null,
            CloseReason = estimated ? CloseReasons.Orphaned : CloseReasons.ClientClosed,
            Status = SessionStatus.Closed,
            Estimated = estimated,
        };
    }

    // ---- readable text (what a failure prints) ----

    private static string Describe(IEnumerable<(string Key, RowSums Sums)> rows) =>
        string.Join('\n', rows.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"  {r.Key}: {r.Sums}"));

    private static string Describe(IEnumerable<InvoiceLine> lines) =>
        string.Join('\n', lines.Select(l =>
            $"  {l.Kind}{(l.AdjustsMonth is null ? "" : $"({l.AdjustsMonth} {l.AdjustsKind})")} {l.PlanId}{(l.PlanVersion is null ? "" : $" v{l.PlanVersion}")}{l.Component}{(l.Model is null ? "" : $":{l.Model}")}{l.Name}"
            + $" sessions={l.Sessions?.ToString(CultureInfo.InvariantCulture) ?? "-"} quantity={l.Quantity} amount={l.AmountMicros}"));

    // Lines netted per identity (kind, plan and version, component and model, name); lines that net to nothing drop.
    private static string Net(IEnumerable<InvoiceLine> lines) =>
        string.Join('\n', lines
            .GroupBy(l => $"{l.Kind} {l.PlanId}{(l.PlanVersion is null ? "" : $" v{l.PlanVersion}")}{l.Component}{(l.Model is null ? "" : $":{l.Model}")}{l.Name}")
            .Select(g => (g.Key, Quantity: g.Sum(l => l.Quantity), Amount: g.Sum(l => l.AmountMicros)))
            .Where(x => x.Quantity != 0 || x.Amount != 0)
            .OrderBy(x => x.Key, StringComparer.Ordinal)
            .Select(x => $"  {x.Key} quantity={x.Quantity} amount={x.Amount}"));

    private static DateOnly FirstDayOf(DateTime utc) => new(utc.Year, utc.Month, 1);

    private static long UnixMs(DateOnly day) => new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

    internal sealed record RowSums(long Sessions, long DurationMs, long BillableMs, long RatedMs, long CostMicros, long Surcharge);

    /// <summary>A plan version's terms and when, from the month's start, it took effect (negative: before it).</summary>
    internal sealed record PlanTerms(
        long StartsAtMs, RatingRounding Rounding, int MinimumMs, int PerMinuteMicros, int PerSessionMicros,
        IReadOnlyList<ModelRate> ModelRates, IReadOnlyList<(string Name, int FeeMicros)> Fees)
    {
        public PlanVersion ToPlanVersion() => new()
        {
            PlanId = PlanId,
            Version = 1,
            CreatedAtMs = 0,
            Currency = "USD",
            Rounding = Rounding,
            MinimumMs = MinimumMs,
            PerMinuteMicros = PerMinuteMicros,
            PerSessionMicros = PerSessionMicros,
            ModelRates = [.. ModelRates],
            Indicators = Fees.ToDictionary(f => f.Name, f => new IndicatorPrice(f.FeeMicros), StringComparer.Ordinal),
        };

        public override string ToString() =>
            $"from {StartsAtMs} ms: {Rounding} min {MinimumMs} ms, {PerMinuteMicros}/min, {PerSessionMicros}/session"
            + (ModelRates.Count == 0 ? "" : ", " + string.Join(", ", ModelRates.Select(m => $"{m.Component}:{m.Model} +{m.PerMinuteMicros}/min")))
            + (Fees.Count == 0 ? "" : ", " + string.Join(", ", Fees.Select(f => $"{f.Name} {f.FeeMicros}")));
    }

    /// <summary>An indicator posted (name and value) or, with no name, the measured final replacing the estimate; in
    /// which phase.</summary>
    internal sealed record Step(int Phase, string? Indicator, int Value)
    {
        public override string ToString() => Indicator is null ? $"[{Phase}] measured" : $"[{Phase}] {Indicator}={Value}";
    }

    /// <summary>A session: opened at <see cref="OpenedAtMs"/> from the month's start (the client 100 ms before, or at the month's start),
    /// no upstream session when <see cref="DurationMs"/> is null, first finalized by the reaper's estimate when
    /// <see cref="EstimateMs"/> is set (a step replaces it), written in phase <see cref="WrittenIn"/>.</summary>
    internal sealed record SessionCase(
        int Number, string KeyId, long OpenedAtMs, long? DurationMs, long? EstimateMs, string? Listen, string? Think, string? Speak,
        int WrittenIn, IReadOnlyList<Step> Steps)
    {
        public override string ToString() =>
            $"#{Number} {KeyId} day {(OpenedAtMs / DayMs) + 1} +{OpenedAtMs % DayMs} ms, "
            + (DurationMs is null ? "no upstream" : $"{DurationMs} ms") + (EstimateMs is null ? "" : $" (estimate {EstimateMs} ms)")
            + $", models {Listen ?? "-"}/{Think ?? "-"}/{Speak ?? "-"}, written [{WrittenIn}]"
            + (Steps.Count == 0 ? "" : ", then " + string.Join(", ", Steps));
    }

    /// <summary>A generated case: the plan's versions, the sessions, and how many months get finalized (one after each
    /// phase but the last).</summary>
    internal sealed record BillingCase(int Phases, IReadOnlyList<PlanTerms> Versions, IReadOnlyList<SessionCase> Sessions)
    {
        public override string ToString()
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $"{Sessions.Count} sessions in {Month:yyyy-MM}, {Phases} month(s) finalized; plan versions:\n");
            foreach (var version in Versions)
            {
                text.Append(CultureInfo.InvariantCulture, $"    {version}\n");
            }

            text.Append("  sessions:\n");
            foreach (var session in Sessions)
            {
                text.Append(CultureInfo.InvariantCulture, $"    {session}\n");
            }

            return text.ToString();
        }
    }
}
