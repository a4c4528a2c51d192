namespace Proxy.Billing;

/// <summary>The window a scheduled reconciliation covers: from where the last one ended to <c>now − lag</c> (the lag
/// keeps sessions still in their handshake and requests Deepgram has not listed yet for the next window). The first
/// run goes one interval back. Windows are contiguous: each starts where the last ended, whatever time passed between
/// runs; a long outage is caught up in windows of at most <see cref="ReconciliationPeriod.MaxLength"/>.</summary>
internal static class ReconciliationWindow
{
    /// <summary>The next window, or null when nothing has ended since the last one.</summary>
    public static ReconciliationPeriod? Next(long? lastEndMs, long nowMs, TimeSpan every, TimeSpan lag)
    {
        var endMs = nowMs - (long)lag.TotalMilliseconds;
        var startMs = lastEndMs ?? endMs - (long)every.TotalMilliseconds;
        if (endMs <= startMs)
        {
            return null;
        }

        return new ReconciliationPeriod(startMs, Math.Min(endMs, startMs + (long)ReconciliationPeriod.MaxLength.TotalMilliseconds));
    }
}
