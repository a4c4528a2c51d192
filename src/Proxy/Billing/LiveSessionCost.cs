namespace Proxy.Billing;

/// <summary>
/// What a live session would cost if it ended now, and if it ended <c>lead</c> later: the one rater
/// (<see cref="SessionRater"/>) applied to its duration so far, with the models its Settings named and no indicators
/// (those are posted on final records only). The budget guard compares these with a budget; the final record is rated
/// the same way from a duration at least as long, so its cost is never below the last running cost seen.
/// </summary>
/// <param name="NowMicros">The cost if the session ended now (the per-session fee included).</param>
/// <param name="WithinLeadMicros">The cost if it ended after the warning lead.</param>
internal readonly record struct LiveSessionCost(long NowMicros, long WithinLeadMicros)
{
    /// <summary>Rates a session whose upstream has been open for <paramref name="elapsedMs"/>. A price beyond Int64
    /// is <see cref="long.MaxValue"/>: such a session is past any budget.</summary>
    public static LiveSessionCost Of(PlanVersion plan, long elapsedMs, long leadMs, string? listenModel, string? thinkModel, string? speakModel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elapsedMs);
        ArgumentOutOfRangeException.ThrowIfNegative(leadMs);
        var now = Rate(plan, elapsedMs, listenModel, thinkModel, speakModel);
        var later = elapsedMs > long.MaxValue - leadMs ? long.MaxValue : Rate(plan, elapsedMs + leadMs, listenModel, thinkModel, speakModel);
        return new LiveSessionCost(now, Math.Max(now, later));
    }

    private static long Rate(PlanVersion plan, long durationMs, string? listenModel, string? thinkModel, string? speakModel)
    {
        try
        {
            return SessionRater.Rate(plan, new RatingInput(durationMs, listenModel, thinkModel, speakModel, [])).CostMicros;
        }
        catch (RatingOverflowException)
        {
            return long.MaxValue;
        }
    }
}
