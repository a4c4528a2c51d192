using System.Text.Json.Serialization;

namespace Proxy.Billing;

/// <summary>What one row of a usage report stands for (<c>group_by</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<UsageGrouping>))]
internal enum UsageGrouping
{
    /// <summary><c>day</c>: one row per UTC day that has usage.</summary>
    [JsonStringEnumMemberName("day")]
    Day,

    /// <summary><c>key</c>: one row per proxy key.</summary>
    [JsonStringEnumMemberName("key")]
    Key,

    /// <summary><c>model</c>: one row per (component, model) that sessions used.</summary>
    [JsonStringEnumMemberName("model")]
    Model,
}

internal static class UsageGroupings
{
    public const string Names = "day, key or model";

    public static bool TryParse(string text, out UsageGrouping grouping)
    {
        (var known, grouping) = text switch
        {
            "day" => (true, UsageGrouping.Day),
            "key" => (true, UsageGrouping.Key),
            "model" => (true, UsageGrouping.Model),
            _ => (false, default),
        };
        return known;
    }
}
