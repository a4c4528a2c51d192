using System.Globalization;

namespace Proxy.Billing;

/// <summary>The instants a reconciliation covers, [<paramref name="FromMs"/>, <paramref name="ToMs"/>) in Unix ms. A
/// session belongs to it by its upstream open (DESIGN, "Attribution"); Deepgram's request by its <c>created</c>.</summary>
internal sealed record ReconciliationPeriod(long FromMs, long ToMs)
{
    /// <summary>Deepgram's requests list is paged per period; a month (31 days) is the most one call takes.</summary>
    public static readonly TimeSpan MaxLength = TimeSpan.FromDays(31);

    public bool Contains(long unixMs) => unixMs >= FromMs && unixMs < ToMs;

    public string FromText => Instant(FromMs);

    public string ToText => Instant(ToMs);

    private static string Instant(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
