using System.Collections.Frozen;
using System.Globalization;

namespace Proxy.Billing;

/// <summary>
/// Amounts in micro-units written for people: rounded to the currency's minor units (ISO 4217: USD and EUR 2, JPY 0,
/// KWD 3, …; 2 for a code not in the table) half away from zero, with thousands separators and the code, e.g.
/// <c>1,234.57 USD</c>, <c>-0.75 EUR</c>, <c>1,235 JPY</c>. Integer division and remainder only, never floating point.
/// Only the printed invoice rounds: the JSON keeps exact micros.
/// </summary>
internal static class MoneyFormat
{
    private const int DefaultMinorUnits = 2;

    // ISO 4217 codes whose minor unit is not 2 (List One). Codes with more than 6 would need sub-micros; none exist.
    private static readonly FrozenDictionary<string, int> MinorUnitsByCode = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["BIF"] = 0, ["CLP"] = 0, ["DJF"] = 0, ["GNF"] = 0, ["ISK"] = 0, ["JPY"] = 0, ["KMF"] = 0, ["KRW"] = 0,
        ["PYG"] = 0, ["RWF"] = 0, ["UGX"] = 0, ["UYI"] = 0, ["VND"] = 0, ["VUV"] = 0, ["XAF"] = 0, ["XOF"] = 0,
        ["XPF"] = 0,
        ["BHD"] = 3, ["IQD"] = 3, ["JOD"] = 3, ["KWD"] = 3, ["LYD"] = 3, ["OMR"] = 3, ["TND"] = 3,
        ["CLF"] = 4, ["UYW"] = 4,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static int MinorUnits(string? currency) =>
        currency is not null && MinorUnitsByCode.TryGetValue(currency, out var digits) ? digits : DefaultMinorUnits;

    /// <summary>The amount with <see cref="MinorUnits"/> decimals, then the code when there is one.</summary>
    public static string Format(long micros, string? currency)
    {
        var digits = MinorUnits(currency);
        var microsPerMinor = Pow10(6 - digits);
        var minorPerMajor = Pow10(digits);

        // Int128 so that long.MinValue has a magnitude.
        var magnitude = micros < 0 ? -(Int128)micros : micros;
        var minor = (magnitude + microsPerMinor / 2) / microsPerMinor;
        var whole = (long)(minor / minorPerMajor);
        var fraction = (long)(minor % minorPerMajor);
        var sign = micros < 0 && minor != 0 ? "-" : string.Empty;
        var number = digits == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{sign}{whole:N0}")
            : string.Create(CultureInfo.InvariantCulture, $"{sign}{whole:N0}.{fraction.ToString(new string('0', digits), CultureInfo.InvariantCulture)}");
        return currency is null ? number : $"{number} {currency}";
    }

    private static long Pow10(int exponent)
    {
        var value = 1L;
        for (var i = 0; i < exponent; i++)
        {
            value *= 10;
        }

        return value;
    }
}
