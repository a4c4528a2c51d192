using System.Text.Json.Nodes;

namespace Proxy.Customers;

/// <summary>
/// The per-customer upstream settings, described once like the session, budget and origin settings: the admin API
/// parses and shows them from here, the customer store keeps them under <c>settings.</c> and the gateway reads
/// them when a session opens (a live session keeps the host it opened with).
/// </summary>
internal static class UpstreamSettings
{
    public static readonly UpstreamUrlSetting UpstreamUrl = new("upstream_url", "Upstream:Url");

    /// <summary>In the order the admin API shows them.</summary>
    public static readonly IReadOnlyList<CustomerSetting> All = [UpstreamUrl];

    /// <summary>The value in force for each setting, as admin JSON: the pin, or <c>Upstream:Url</c>.</summary>
    public static IEnumerable<KeyValuePair<string, JsonNode>> EffectiveJson(CustomerSettings settings, UpstreamUrlAllowList allowList)
    {
        yield return new(UpstreamUrl.Name, UpstreamUrl.ToJson(UpstreamUrl.Read(settings) ?? allowList.Default));
    }
}
