namespace Proxy.Metering;

/// <summary>The agent stages a model serves, and the <c>stage:model</c> entries of a record's <c>models_seen</c>.</summary>
internal static class ModelStages
{
    public const string Listen = "listen";
    public const string Think = "think";
    public const string Speak = "speak";

    /// <summary>A session that keeps switching models cannot grow its record past this many entries.</summary>
    public const int MaxModelsSeen = 32;

    public static string Entry(string stage, string model) => $"{stage}:{model}";

    /// <summary>The models the session's Settings named, by stage: the ones it is rated and its usage aggregated by
    /// (later <c>Update*</c> changes are listed in <c>models_seen</c>, not rated).</summary>
    public static IEnumerable<(string Component, string Model)> OfSettings(SessionRecord record)
    {
        if (record.ListenModel is { Length: > 0 } listen)
        {
            yield return (Listen, listen);
        }

        if (record.ThinkModel is { Length: > 0 } think)
        {
            yield return (Think, think);
        }

        if (record.SpeakModel is { Length: > 0 } speak)
        {
            yield return (Speak, speak);
        }
    }

    /// <summary>The Settings' models, then the updates' in the order they came, each once (ordinal), at most
    /// <see cref="MaxModelsSeen"/>.</summary>
    public static IReadOnlyList<string> Seen(IReadOnlyList<string> fromSettings, IReadOnlyList<string> fromUpdates)
    {
        if (fromSettings.Count + fromUpdates.Count == 0)
        {
            return [];
        }

        var seen = new List<string>(Math.Min(MaxModelsSeen, fromSettings.Count + fromUpdates.Count));
        Add(seen, fromSettings);
        Add(seen, fromUpdates);
        return seen;
    }

    private static void Add(List<string> seen, IReadOnlyList<string> entries)
    {
        foreach (var entry in entries)
        {
            if (seen.Count == MaxModelsSeen)
            {
                return;
            }

            if (!seen.Contains(entry, StringComparer.Ordinal))
            {
                seen.Add(entry);
            }
        }
    }
}
