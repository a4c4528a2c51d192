using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Billing;
using Proxy.Customers;
using Proxy.Runtime;
using Proxy.Storage;
using Proxy.Tests.Storage;
using Proxy.Telemetry;
using Proxy.Tests.TestSupport;
using StackExchange.Redis;

namespace Proxy.Tests.Billing;

/// <summary>The scheduled reconciliation against a real redis-server, on a fake clock: which windows it asks Deepgram
/// for (contiguous, behind now by the lag, continued after a failure and across instances) and that one instance at a
/// time runs it.</summary>
public sealed class ScheduledReconciliationTests : IClassFixture<ScheduledReconciliationTests.Redis>, IDisposable
{
    private static readonly TimeSpan Every = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Lag = TimeSpan.FromMinutes(2);
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly Redis _redis;
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}:");
    private readonly TimerWatchingTimeProvider _time = new(T0);
    private readonly IMeterFactory _meters = TestMetrics.NewMeterFactory();
    private readonly List<RedisConnectionState> _connections = [];

    public ScheduledReconciliationTests(Redis redis)
    {
        _redis = redis;
    }

    private IConnectionMultiplexer Connection => _redis.Server.Connection!;

    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }
    }

    [Fact]
    public async Task Windows_are_contiguous_end_the_lag_before_now_and_the_report_is_the_last_one_marked_scheduled()
    {
        var deepgram = EmptyLists();
        var scheduler = Scheduler("instance-a", deepgram);

        var first = await scheduler.RunOnceAsync(CancellationToken.None);
        _time.Advance(Every);
        var second = await scheduler.RunOnceAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(3));
        var third = await scheduler.RunOnceAsync(CancellationToken.None);

        Assert.Equal(
        [
            (T0 - Lag - Every, T0 - Lag),
            (T0 - Lag, T0 + Every - Lag),
            (T0 + Every - Lag, T0 + Every + TimeSpan.FromMinutes(3) - Lag),
        ], Windows(deepgram));
        Assert.Equal(Instant(T0 + Every - Lag), third!.From);
        Assert.Equal(Instant(T0 + Every + TimeSpan.FromMinutes(3) - Lag), third.To);
        Assert.All(new[] { first, second, third }, r => Assert.Equal("scheduled", r!.Trigger));
        var last = await new ReconciliationStore(Connection, _keys).ReadAsync(null);
        Assert.Contains("\"trigger\":\"scheduled\"", last, StringComparison.Ordinal);
        Assert.Contains($"\"to\":\"{third.To}\"", last, StringComparison.Ordinal);
        Assert.Equal((T0 + Every + TimeSpan.FromMinutes(3) - Lag).ToUnixTimeMilliseconds(), (long)await Connection.GetDatabase().StringGetAsync(_keys.ReconcileScheduledTo));
    }

    [Fact]
    public async Task Nothing_runs_while_no_time_has_ended_since_the_last_window()
    {
        var deepgram = EmptyLists();
        var scheduler = Scheduler("instance-a", deepgram);

        Assert.NotNull(await scheduler.RunOnceAsync(CancellationToken.None));
        Assert.Null(await scheduler.RunOnceAsync(CancellationToken.None));

        Assert.Single(Windows(deepgram));
    }

    [Fact]
    public async Task A_failed_run_is_counted_and_its_window_is_redone_with_the_next_one()
    {
        var deepgram = ScriptedHttpHandler.Of(_ => EmptyPage(), _ => new HttpResponseMessage(HttpStatusCode.Unauthorized), _ => EmptyPage());
        using var runs = new MetricCollector<long>(_meters, ProxyMetrics.MeterName, "dgproxy.reconciliation.runs");
        var scheduler = Scheduler("instance-a", deepgram);

        await scheduler.RunOnceAsync(CancellationToken.None);
        _time.Advance(Every);
        var failure = await Assert.ThrowsAsync<DeepgramRequestsException>(() => scheduler.RunOnceAsync(CancellationToken.None));
        _time.Advance(Every);
        await scheduler.RunOnceAsync(CancellationToken.None);

        Assert.Equal(DeepgramManagementFailure.Refused, failure.Failure);
        Assert.Equal(
        [
            (T0 - Lag - Every, T0 - Lag),
            (T0 - Lag, T0 + Every - Lag),
            (T0 - Lag, T0 + Every + Every - Lag),
        ], Windows(deepgram));
        var counted = runs.GetMeasurementSnapshot().Where(m => m.Value > 0).Select(m => $"{m.Tags["result"]}/{m.Tags["trigger"]}").ToList();
        Assert.Equal(["ok/scheduled", "failed/scheduled", "ok/scheduled"], counted);
    }

    [Fact]
    public async Task One_instance_at_a_time_runs_it_and_the_next_holder_continues_where_the_last_window_ended()
    {
        var deepgram = EmptyLists();
        var first = Scheduler("instance-a", deepgram);
        var second = Scheduler("instance-b", deepgram);

        Assert.NotNull(await first.RunOnceAsync(CancellationToken.None));
        _time.Advance(Every);
        Assert.Null(await second.RunOnceAsync(CancellationToken.None));
        Assert.Single(Windows(deepgram));

        // The first instance stopped and its lock expired: the second takes over from the kept end.
        await Connection.GetDatabase().KeyDeleteAsync(_keys.ReconcileScheduleLock);
        Assert.NotNull(await second.RunOnceAsync(CancellationToken.None));
        Assert.Null(await first.RunOnceAsync(CancellationToken.None));

        Assert.Equal([(T0 - Lag - Every, T0 - Lag), (T0 - Lag, T0 + Every - Lag)], Windows(deepgram));
        Assert.Equal("instance-b", (string?)await Connection.GetDatabase().StringGetAsync(_keys.ReconcileScheduleLock));
    }

    [Fact]
    public async Task The_schedule_ticks_every_interval_and_starts_at_once_only_when_a_whole_interval_is_overdue()
    {
        var deepgram = EmptyLists();
        var scheduler = Scheduler("instance-a", deepgram);
        Assert.False(await scheduler.IsOverdueAsync());

        await scheduler.StartAsync(CancellationToken.None);
        try
        {
            // Never run before: the first tick comes an interval after the start.
            await _time.WaitForTimerAsync(Every);
            Assert.Empty(Windows(deepgram));
            _time.Advance(Every);
            await WaitForAsync(() => Windows(deepgram).Count == 1);
            _time.Advance(Every);
            await WaitForAsync(() => Windows(deepgram).Count == 2);
        }
        finally
        {
            await scheduler.StopAsync(CancellationToken.None);
        }

        Assert.Equal([(T0 - Lag, T0 + Every - Lag), (T0 + Every - Lag, T0 + Every + Every - Lag)], Windows(deepgram));

        // A graceful stop gave the lock up: another instance takes over at its next tick, not after the expiry.
        Assert.False(await Connection.GetDatabase().KeyExistsAsync(_keys.ReconcileScheduleLock));

        // Overdue once a whole interval has ended after the last window: a start then runs at once.
        _time.Advance(Every - TimeSpan.FromSeconds(1));
        Assert.False(await scheduler.IsOverdueAsync());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await scheduler.IsOverdueAsync());
    }

    private ScheduledReconciliation Scheduler(string instanceId, HttpMessageHandler deepgram)
    {
        var storage = Options.Create(new StorageOptions());
        var deepgramOptions = new DeepgramOptions
        {
            ApiUrl = new Uri("https://dg.test"), ProjectId = "proj-1", ManagementKey = "mgmt-secret", ReconcileEvery = Every, ReconcileLag = Lag,
        };
        var metrics = TestMetrics.Create(_meters);
        var store = new ReconciliationStore(Connection, _keys);
        var service = new ReconciliationService(
            new SessionRecordStore(Connection, _keys, new SessionIndexStore(Connection, _keys, storage), TestRecordsStream.Appender(Connection, _keys), storage),
            new CustomerStore(Connection, _keys, _time),
            store,
            new DeepgramRequestsClient(new SingleClientFactory(deepgram), new TestOptionsMonitor<DeepgramOptions>(deepgramOptions), _time),
            new UpstreamKeyStore(Connection, _keys, _time),
            new TestOptionsMonitor<DeepgramOptions>(deepgramOptions),
            metrics,
            _time,
            NullLogger<ReconciliationService>.Instance);
        var connection = new RedisConnectionState(Connection, _time);
        _connections.Add(connection);
        var instance = new ProxyInstance(new ConfigurationBuilder().AddInMemoryCollection([new("Instance:Id", instanceId)]).Build());
        var jobs = new LockedPeriodicJobs(Connection, connection, _keys, instance, storage, _time);
        return new ScheduledReconciliation(Options.Create(deepgramOptions), service, store, jobs, metrics, _time, NullLogger<ScheduledReconciliation>.Instance);
    }

    /// <summary>The start and end of each requests list Deepgram was asked for, in order.</summary>
    private static List<(DateTimeOffset From, DateTimeOffset To)> Windows(ScriptedHttpHandler deepgram) =>
    [
        .. deepgram.Requests.Select(r => HttpUtility.ParseQueryString(new Uri(r.Url).Query))
            .Select(q => (Parse(q["start"]!), Parse(q["end"]!))),
    ];

    private static DateTimeOffset Parse(string instant) => DateTimeOffset.Parse(instant, CultureInfo.InvariantCulture);

    private static string Instant(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static ScriptedHttpHandler EmptyLists() => ScriptedHttpHandler.Of(_ => EmptyPage());

    private static HttpResponseMessage EmptyPage() =>
        new(HttpStatusCode.OK) { Content = new StringContent("""{"page":0,"limit":1000,"requests":[]}""", Encoding.UTF8, "application/json") };

    private static async Task WaitForAsync(Func<bool> done)
    {
        for (var i = 0; i < 1000 && !done(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(done(), "the scheduled run did not come");
    }

    private sealed class SingleClientFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
    }

    public sealed class Redis : IAsyncLifetime
    {
        internal RedisServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
