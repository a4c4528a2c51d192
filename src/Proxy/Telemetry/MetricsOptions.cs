namespace Proxy.Telemetry;

/// <summary>The <c>Metrics</c> section.</summary>
internal sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    /// <summary>The hard ceiling of <see cref="CustomerLabels"/>: each listed customer multiplies the series of the
    /// labelled metrics, and Prometheus pays for every series.</summary>
    public const int MaxCustomerLabels = 50;

    /// <summary>Customers whose id may appear as the <c>customer</c> label; every other customer is <c>other</c>.
    /// Empty (the default): no <c>customer</c> label at all.</summary>
    public string[] CustomerLabels { get; set; } = [];
}
