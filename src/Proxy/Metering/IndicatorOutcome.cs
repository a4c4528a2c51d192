namespace Proxy.Metering;

/// <summary>
/// One outcome indicator posted for a session (record field <c>indicators</c>, keyed by name). The value is the
/// operator's number, kept as given and never priced: the fee is the plan version's flat fee for the name, charged
/// once whatever the value.
/// </summary>
/// <param name="Value">The posted number (non-negative); exact decimal so that a repeat compares equal to the first post.</param>
/// <param name="FeeMicros">What the indicator added to <c>cost_micros</c> (0 when the plan does not price the name).</param>
/// <param name="AtMs">When it was recorded (Unix ms, Redis <c>TIME</c>).</param>
internal sealed record IndicatorOutcome(decimal Value, long FeeMicros, long AtMs);
