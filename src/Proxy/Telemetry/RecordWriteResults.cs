namespace Proxy.Telemetry;

/// <summary>The <c>result</c> label of <c>dgproxy_record_writes_total</c>.</summary>
internal static class RecordWriteResults
{
    public const string Ok = "ok";
    public const string Spooled = "spooled";
    public const string Replayed = "replayed";

    /// <summary>A final record for a session Redis already holds as final (the reaper's, or a replay's): not counted again.</summary>
    public const string AlreadyFinal = "already_final";

    /// <summary>A measured final record that replaced the reaper's estimate (usage corrected by the difference).</summary>
    public const string ReplacedEstimate = "replaced_estimate";

    /// <summary>Neither Redis nor the spool took the record: it exists only in the error log.</summary>
    public const string Failed = "failed";
}
