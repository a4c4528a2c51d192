using System.Globalization;

namespace Proxy.Billing;

/// <summary>A UTC calendar month as the invoice routes name it (<c>yyyy-MM</c>).</summary>
internal readonly record struct InvoiceMonth(DateOnly FirstDay)
{
    /// <summary>Parses exactly <c>yyyy-MM</c> (four-digit year, two-digit month 01–12), nothing around it.</summary>
    public static bool TryParse(string? text, out InvoiceMonth month)
    {
        month = default;
        if (text is not { Length: 7 } || text[4] != '-' || text.AsSpan(0, 4).ContainsAnyExceptInRange('0', '9') || text.AsSpan(5, 2).ContainsAnyExceptInRange('0', '9'))
        {
            return false;
        }

        if (!DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
        {
            return false;
        }

        month = new InvoiceMonth(first);
        return true;
    }

    /// <summary>The first instant after the month (Unix ms, UTC): the month may be finalized from then on. The last
    /// month a date can name (9999-12) never ends.</summary>
    public long EndUnixMs => FirstDay.Year == DateOnly.MaxValue.Year && FirstDay.Month == DateOnly.MaxValue.Month
        ? long.MaxValue
        : new DateTimeOffset(FirstDay.AddMonths(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeMilliseconds();

    public override string ToString() => FirstDay.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
