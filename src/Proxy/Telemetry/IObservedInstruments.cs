namespace Proxy.Telemetry;

/// <summary>
/// A feature's instruments that are read at scrape time (observable gauges and counters on the
/// <see cref="ProxyMetrics.MeterName"/> meter). They exist once their object is built, and nothing else asks for
/// it: <see cref="TelemetryServiceCollectionExtensions.MapProxyMetrics"/> builds every registered one.
/// </summary>
internal interface IObservedInstruments
{
}
