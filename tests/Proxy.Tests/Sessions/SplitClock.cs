namespace Proxy.Tests.Sessions;

/// <summary>A clock whose wall time and monotonic timestamp move independently, as they do when NTP steps the
/// system clock: it shows which of the two a duration was measured with.</summary>
internal sealed class SplitClock : TimeProvider
{
    // A Stopwatch-like frequency (ns), unlike FakeTimeProvider's ticks, so a unit mix-up shows.
    private const long Frequency = 1_000_000_000;

    private DateTimeOffset _wall;
    private long _timestamp = 987_654_321_000;

    public SplitClock(DateTimeOffset wall)
    {
        _wall = wall;
    }

    public override long TimestampFrequency => Frequency;

    public override DateTimeOffset GetUtcNow() => _wall;

    public override long GetTimestamp() => _timestamp;

    public void AdvanceWall(TimeSpan by) => _wall += by;

    public void AdvanceMonotonic(TimeSpan by) => _timestamp += (long)(by.TotalSeconds * Frequency);
}
