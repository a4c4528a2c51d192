namespace Proxy.Telemetry;

/// <summary>The <c>record</c> label of <c>dgproxy_record_writes_total</c>: which of a session's records was written.</summary>
internal static class RecordWriteKinds
{
    public const string Open = "open";
    public const string Final = "final";
}
