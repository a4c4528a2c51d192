using System.Diagnostics.Metrics;
using Proxy.Telemetry;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>Whether records reach Redis, and what waits in the local spool meanwhile, read at scrape time.</summary>
internal sealed class StorageGauges : IObservedInstruments
{
    public StorageGauges(IMeterFactory meterFactory, RecordSpool spool, IConnectionMultiplexer redis)
    {
        var meter = meterFactory.Create(ProxyMetrics.MeterName);
        meter.CreateObservableGauge("dgproxy.spool.pending.records", () => spool.PendingRecords, description: "Records in the local spool waiting for Redis.");
        meter.CreateObservableGauge("dgproxy.spool.bytes", () => spool.PendingBytes, description: "Bytes in the local spool waiting for Redis.");
        meter.CreateObservableGauge("dgproxy.spool.limit.bytes", () => spool.MaxBytes, description: "The spool's size bound (Storage:SpoolMaxBytes); at it, new sessions are refused.");
        meter.CreateObservableGauge("dgproxy.redis.up", () => redis.IsConnected ? 1 : 0, description: "1 while this instance is connected to Redis.");
    }
}
