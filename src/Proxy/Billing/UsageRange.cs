namespace Proxy.Billing;

/// <summary>UTC days, both ends included: usage is aggregated per day (the UTC day of a session's upstream open),
/// so a day is the finest period a report can have.</summary>
internal readonly record struct UsageRange
{
    /// <summary>The most days one report reads: one hash per day, so this bounds a request's Redis work.</summary>
    public const int MaxDays = 400;

    public UsageRange(DateOnly from, DateOnly to)
    {
        if (to < from)
        {
            throw new ArgumentException($"The range ends ({to:yyyy-MM-dd}) before it starts ({from:yyyy-MM-dd}).", nameof(to));
        }

        if (DayCount(from, to) > MaxDays)
        {
            throw new ArgumentException($"The range has more than {MaxDays} days.", nameof(to));
        }

        From = from;
        To = to;
    }

    public DateOnly From { get; }

    public DateOnly To { get; }

    public IEnumerable<DateOnly> Days
    {
        get
        {
            for (var day = From; day <= To; day = day.AddDays(1))
            {
                yield return day;
            }
        }
    }

    public static int DayCount(DateOnly from, DateOnly to) => to.DayNumber - from.DayNumber + 1;
}
