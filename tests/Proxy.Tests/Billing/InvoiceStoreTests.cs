using Microsoft.Extensions.Logging.Abstractions;
using Proxy.Billing;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Billing;

/// <summary>Invoices against a real redis-server: the month hash read, the snapshot written once, and the service
/// answering the snapshot from then on.</summary>
public sealed class InvoiceStoreTests : IClassFixture<InvoiceStoreTests.Redis>
{
    private static readonly InvoiceMonth November2026 = new(new DateOnly(2026, 11, 1));

    private readonly Redis _redis;
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}:");
    private readonly InvoiceStore _store;
    private readonly InvoiceService _service;

    public InvoiceStoreTests(Redis redis)
    {
        _redis = redis;
        _store = new InvoiceStore(redis.Server.Connection!, _keys);
        _service = new InvoiceService(_store, NullLogger<InvoiceService>.Instance);
    }

    private IDatabase Db => _redis.Server.Database;

    /// <summary>The month's hash as the finalize script leaves it for <paramref name="sessions"/> sessions of plan gold v1.</summary>
    private Task SeedAsync(InvoiceMonth month, long sessions, long baseMicros) =>
        Db.HashSetAsync(_keys.UsageMonth("acme", month.FirstDay), [new("sessions", sessions), new("rated_ms", sessions * 60_000), new("cost_micros", baseMicros),
            new("currency", "EUR"), new("plan:gold:1:sessions", sessions), new("plan:gold:1:rated_ms", sessions * 60_000), new("plan:gold:1:base_micros", baseMicros)]);

    [Fact]
    public async Task A_change_to_a_month_two_finalized_months_back_is_billed_once_on_the_first_open_month()
    {
        // The property test's shrunk case: September and October finalized, then a September change. Before, November
        // looked only at October and the change was never billed ("the invoices total 0 … but the records cost …").
        var september = new InvoiceMonth(new DateOnly(2026, 9, 1));
        var october = new InvoiceMonth(new DateOnly(2026, 10, 1));
        var november = new InvoiceMonth(new DateOnly(2026, 11, 1));
        var december = new InvoiceMonth(new DateOnly(2026, 12, 1));
        await SeedAsync(september, sessions: 1, baseMicros: 100_000);
        Assert.NotNull(await _service.FinalizeAsync("acme", september));

        // A first change while October is open: October carries it, and its snapshot keeps it.
        await SeedAsync(september, sessions: 2, baseMicros: 150_000);
        var octoberFinal = await _service.FinalizeAsync("acme", october);
        Assert.Equal(50_000, octoberFinal!.TotalMicros);

        // A second change after October is final: November carries only it, and October is unchanged.
        await SeedAsync(september, sessions: 3, baseMicros: 180_000);
        var novemberOpen = await _service.GetAsync("acme", november);
        var adjustment = Assert.Single(novemberOpen.Lines);
        Assert.Equal((InvoiceLine.Adjustment, "2026-09", 1L, 30_000L, 30_000L), (adjustment.Kind, adjustment.AdjustsMonth, adjustment.Sessions!.Value, adjustment.AmountMicros, novemberOpen.TotalMicros));
        Assert.Equal(Json(octoberFinal), Json(await _service.GetAsync("acme", october)));

        // November finalized with it; nothing is left for December.
        Assert.Equal(30_000, (await _service.FinalizeAsync("acme", november))!.TotalMicros);
        Assert.Empty((await _service.GetAsync("acme", december)).Lines);
    }

    [Fact]
    public async Task Finalizing_stores_a_snapshot_once_and_the_month_hash_no_longer_changes_the_invoice()
    {
        var month = _keys.UsageMonth("acme", November2026.FirstDay);
        await Db.HashSetAsync(month, [new("sessions", 2), new("rated_ms", 60_000), new("cost_micros", 150_000), new("currency", "EUR"),
            new("plan:gold:1:sessions", 2), new("plan:gold:1:rated_ms", 60_000), new("plan:gold:1:base_micros", 150_000)]);

        var first = await _service.FinalizeAsync("acme", November2026);
        await Db.HashIncrementAsync(month, "cost_micros", 40_000);
        await Db.HashIncrementAsync(month, "plan:gold:1:base_micros", 40_000);
        var second = await _service.FinalizeAsync("acme", November2026);
        var read = await _service.GetAsync("acme", November2026);

        Assert.NotNull(first);
        Assert.Equal((Invoice.Final, 150_000L, "EUR"), (first.Status, first.TotalMicros, first.Currency));
        Assert.NotNull(first.FinalizedAtMs);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(first.FinalizedAtMs.Value, now - 600_000, now + 600_000);
        Assert.Equal(Json(first), Json(second!));
        Assert.Equal(Json(first), Json(read));
        Assert.Equal(150_000, read.Lines.Single().AmountMicros);
    }

    [Fact]
    public async Task An_open_month_is_built_from_the_hash_each_time_and_not_final()
    {
        var month = _keys.UsageMonth("acme", November2026.FirstDay);
        await Db.HashSetAsync(month, [new("cost_micros", 7), new("indicator:won:count", 1), new("indicator:won:fee_micros", 7)]);
        var before = await _service.GetAsync("acme", November2026);
        await Db.HashSetAsync(month, [new("cost_micros", 14), new("indicator:won:count", 2), new("indicator:won:fee_micros", 14)]);

        var after = await _service.GetAsync("acme", November2026);

        Assert.Equal((Invoice.Open, 7L), (before.Status, before.TotalMicros));
        Assert.Equal((Invoice.Open, 14L, (long?)null), (after.Status, after.TotalMicros, after.FinalizedAtMs));
        Assert.Null(await _store.ReadFinalAsync("acme", November2026));
    }

    [Fact]
    public async Task A_month_that_has_not_ended_by_redis_time_is_not_finalized()
    {
        var current = new InvoiceMonth(new DateOnly(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1));
        var next = new InvoiceMonth(current.FirstDay.AddMonths(1));

        Assert.Null(await _service.FinalizeAsync("acme", current));
        Assert.Null(await _service.FinalizeAsync("acme", next));
        Assert.False(await Db.KeyExistsAsync(_keys.Invoice("acme", current.FirstDay)));
    }

    [Fact]
    public async Task A_snapshot_is_not_written_over_a_month_whose_cost_changed_since_it_was_built()
    {
        await Db.HashSetAsync(_keys.UsageMonth("acme", November2026.FirstDay), [new("cost_micros", 10)]);

        var result = await _store.FinalizeAsync("acme", November2026, "{}", costMicros: 9);

        Assert.Equal(InvoiceFinalizeOutcome.UsageChanged, result.Outcome);
        Assert.Null(await _store.ReadFinalAsync("acme", November2026));
    }

    private static string Json(Invoice invoice) => System.Text.Json.JsonSerializer.Serialize(invoice, InvoiceJsonContext.Default.Invoice);

    public sealed class Redis : IAsyncLifetime
    {
        internal RedisServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
