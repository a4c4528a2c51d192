namespace Proxy.Billing;

/// <summary>What rating needs of a session record.</summary>
/// <param name="DurationMs">Upstream open → close; null when no upstream session was opened (then nothing is
/// charged, not even the flat fee).</param>
/// <param name="ListenModel">The models the session's Settings named (null when unknown).</param>
/// <param name="IndicatorNames">Outcome indicators posted for the session.</param>
internal sealed record RatingInput(
    long? DurationMs,
    string? ListenModel,
    string? ThinkModel,
    string? SpeakModel,
    IReadOnlyCollection<string> IndicatorNames);
