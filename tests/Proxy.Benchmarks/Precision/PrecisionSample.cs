namespace Proxy.Benchmarks.Precision;

/// <summary>One session as measured: which proxy variant and scenario, its request id, and – once matched – the
/// record's errors against the wire in ms (record − wire); null where it could not be matched.</summary>
internal sealed record PrecisionSample(string Variant, string Scenario, string RequestId)
{
    public double? OpenErrorMs { get; set; }

    public double? CloseErrorMs { get; set; }

    public double? DurationErrorMs { get; set; }

    /// <summary>The proxy's TCP port of its upstream connection, once matched.</summary>
    public int? ProxyPort { get; set; }

    /// <summary>Why it has no errors (no record, no connection in the capture, …).</summary>
    public string? Unmatched { get; set; }
}
