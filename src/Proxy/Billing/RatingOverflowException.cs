namespace Proxy.Billing;

/// <summary>
/// A session's price does not fit in Int64 micro-units. Money never wraps: the rater throws this instead of
/// storing a wrong cost, naming the part that overflowed so the plan (or the duration) can be found and fixed.
/// Plan validation (<see cref="SessionRater.FirstOverflowingField"/>) refuses plans that could get here.
/// </summary>
internal sealed class RatingOverflowException : Exception
{
    public RatingOverflowException()
    {
    }

    public RatingOverflowException(string message)
        : base(message)
    {
    }

    public RatingOverflowException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public RatingOverflowException(string part, string message, Exception? innerException)
        : base(message, innerException)
    {
        Part = part;
    }

    /// <summary>What overflowed: <c>rated_ms</c>, <c>rate</c> (the per-minute rate with its model rates),
    /// <c>time_charge</c> (rate × rated_ms / 60000) or <c>cost_micros</c> (the sum of the parts); null when thrown
    /// through a general constructor.</summary>
    public string? Part { get; }
}
