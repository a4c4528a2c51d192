using System.Collections.Frozen;

namespace Proxy.Billing;

/// <summary>
/// The ISO 4217 active alphabetic currency codes (List One), which a plan's <c>currency</c> must be one of. Includes
/// the fund, precious-metal and special codes (e.g. <c>XDR</c>, <c>XAU</c>, <c>XTS</c>) because ISO lists them;
/// leaves out withdrawn ones (e.g. <c>HRK</c>, <c>CUC</c>, <c>SLL</c>, <c>ZWL</c> → <c>ZWG</c> in 2024,
/// <c>ANG</c> → <c>XCG</c> in 2025, <c>BGN</c> → <c>EUR</c> in 2026). Update with ISO's amendments.
/// </summary>
internal static class Currencies
{
    private static readonly FrozenSet<string> Codes = new[]
    {
        "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN",
        "BAM", "BBD", "BDT", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
        "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK",
        "DJF", "DKK", "DOP", "DZD",
        "EGP", "ERN", "ETB", "EUR",
        "FJD", "FKP",
        "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD",
        "HKD", "HNL", "HTG", "HUF",
        "IDR", "ILS", "INR", "IQD", "IRR", "ISK",
        "JMD", "JOD", "JPY",
        "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
        "LAK", "LBP", "LKR", "LRD", "LSL", "LYD",
        "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN",
        "NAD", "NGN", "NIO", "NOK", "NPR", "NZD",
        "OMR",
        "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG",
        "QAR",
        "RON", "RSD", "RUB", "RWF",
        "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL",
        "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
        "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS",
        "VED", "VES", "VND", "VUV",
        "WST",
        "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX",
        "YER",
        "ZAR", "ZMW", "ZWG",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Every known code, for listing in an error or a form.</summary>
    public static IReadOnlySet<string> All => Codes;

    /// <summary>Whether <paramref name="code"/> is an active ISO 4217 code exactly as ISO spells it: three uppercase
    /// ASCII letters (<c>usd</c> is not, so every record and aggregate carries one spelling).</summary>
    public static bool IsKnown(string? code) => code is not null && Codes.Contains(code);
}
