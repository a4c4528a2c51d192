using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>
/// The per-customer browser settings, described once like the session and budget settings: the admin API parses,
/// checks and shows them from here, the customer store keeps them under <c>settings.</c> and the gateway's origin
/// step reads them. No configured default: any origin unless a customer is given a list.
/// </summary>
internal static class OriginSettings
{
    public static readonly OriginListSetting AllowedOrigins = new("allowed_origins");

    /// <summary>In the order the admin API shows them.</summary>
    public static readonly IReadOnlyList<CustomerSetting> All = [AllowedOrigins];

    public static AllowedOrigins AllowedOriginsOf(CustomerSettings settings) => AllowedOrigins.Read(settings) ?? Customers.AllowedOrigins.Any;

    /// <summary>The value in force for each setting, as admin JSON (an empty list: any origin).</summary>
    public static IEnumerable<KeyValuePair<string, JsonNode>> EffectiveJson(CustomerSettings settings)
    {
        yield return new(AllowedOrigins.Name, AllowedOrigins.ToJson(AllowedOriginsOf(settings)));
    }
}
