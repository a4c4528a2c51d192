using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Storage;
using Proxy.Telemetry;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Storage;

public sealed class RecordStreamStateTests
{
    [Fact]
    public void Entries_the_cap_trimmed_are_unread_only_when_a_consumer_group_exists()
    {
        Assert.Equal(3, new RecordStreamState(5, Groups: 2, TimeSpan.Zero, TrimmedDelivered: 4, TrimmedByCap: 3).TrimmedUnread);
        Assert.Equal(0, new RecordStreamState(5, Groups: 0, TimeSpan.Zero, TrimmedDelivered: 0, TrimmedByCap: 3).TrimmedUnread);
    }

    [Fact]
    public void The_age_of_an_entry_comes_from_its_id()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero));
        var added = time.GetUtcNow().ToUnixTimeMilliseconds();
        time.Advance(TimeSpan.FromMinutes(90));

        Assert.Equal(TimeSpan.FromMinutes(90), RecordStreamTrimmer.AgeOf($"{added}-7", time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("-1")]
    [InlineData("1765102500000-0")] // later than now: a Redis clock ahead of ours
    public void No_entry_or_a_future_one_has_no_age(string? entryId)
    {
        Assert.Equal(TimeSpan.Zero, RecordStreamTrimmer.AgeOf(entryId, 1765098000000));
    }

    [Fact]
    public void The_unread_trim_counter_exists_at_zero_and_the_stream_gauges_appear_after_a_pass()
    {
        var factory = TestMetrics.NewMeterFactory();
        using var unread = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.records.stream.trimmed.unread");
        using var entries = new MetricCollector<long>(factory, ProxyMetrics.MeterName, "dgproxy.records.stream.entries");
        var metrics = new StorageMetrics(factory, Options.Create(new StorageOptions()));

        Assert.Equal(0, Assert.Single(unread.GetMeasurementSnapshot()).Value);
        entries.RecordObservableInstruments();
        Assert.Empty(entries.GetMeasurementSnapshot());

        metrics.StreamObserved(new RecordStreamState(42, 1, TimeSpan.FromSeconds(3), 0, 0));
        metrics.StreamTrimmed(delivered: 0, capped: 3, unread: 3);
        entries.RecordObservableInstruments();

        Assert.Equal(42, entries.GetMeasurementSnapshot()[^1].Value);
        Assert.Equal(3, unread.GetMeasurementSnapshot().EvaluateAsCounter());
    }
}
