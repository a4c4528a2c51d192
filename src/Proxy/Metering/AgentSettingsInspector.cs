using System.Text.Json;

namespace Proxy.Metering;

/// <summary>
/// Pulls the pricing-relevant fields out of a client's Settings message. Settings is the client's document, not
/// ours: unknown fields are ignored, a provider may be an object or an array of fallbacks (several values are joined
/// with ','), <c>agent</c> may be the id of a stored configuration, and broken JSON yields
/// <see cref="AgentSettingsSummary.Unreadable"/> instead of an exception. The same reading applies to the stage an
/// <c>UpdateSpeak</c> / <c>UpdateThink</c> carries (<see cref="InspectModelUpdate"/>).
/// </summary>
internal static class AgentSettingsInspector
{
    private const int MaxTags = 32;
    private const int MaxValueLength = 128;

    public static AgentSettingsSummary Inspect(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            return Inspect(document.RootElement);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string value that is not valid UTF-8 cannot be transcoded.
            return AgentSettingsSummary.Unreadable;
        }
    }

    private static AgentSettingsSummary Inspect(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return AgentSettingsSummary.Unreadable;
        }

        var summary = new AgentSettingsSummary { Tags = ReadTags(root) };
        if (TryGet(root, "audio", out var audio))
        {
            if (TryGet(audio, "input", out var input))
            {
                summary = summary with { InputEncoding = ReadString(input, "encoding"), InputSampleRate = ReadSampleRate(input) };
            }

            if (TryGet(audio, "output", out var output))
            {
                summary = summary with { OutputEncoding = ReadString(output, "encoding"), OutputSampleRate = ReadSampleRate(output) };
            }
        }

        if (!root.TryGetProperty("agent", out var agent))
        {
            return summary;
        }

        if (agent.ValueKind == JsonValueKind.String)
        {
            return summary with { AgentConfigId = Truncate(agent.GetString()) };
        }

        if (agent.ValueKind != JsonValueKind.Object)
        {
            return summary;
        }

        var listen = Providers(agent, "listen");
        var think = Providers(agent, "think");
        var speak = Providers(agent, "speak");
        var models = new List<string>();
        AddModels(models, ModelStages.Listen, listen);
        AddModels(models, ModelStages.Think, think);
        AddModels(models, ModelStages.Speak, speak);
        return summary with
        {
            ListenModel = Join(listen, "model"),
            ThinkProvider = Join(think, "type"),
            ThinkModel = Join(think, "model"),
            SpeakProvider = Join(speak, "type"),
            SpeakModel = Join(speak, "model"),
            Models = models,
        };
    }

    /// <summary>
    /// The models an <c>UpdateSpeak</c> (<paramref name="stage"/> <c>speak</c>) or <c>UpdateThink</c> (<c>think</c>)
    /// switches to, as <c>stage:model</c>: its <c>speak</c> / <c>think</c> section has the shape of the same stage in
    /// Settings' <c>agent</c>. Broken JSON or no model: none.
    /// </summary>
    public static IReadOnlyList<string> InspectModelUpdate(ReadOnlySpan<byte> json, string stage)
    {
        var models = new List<string>();
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                AddModels(models, stage, Providers(document.RootElement, stage));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // As for Settings: a message we cannot read changes nothing we record.
        }

        return models;
    }

    private static void AddModels(List<string> models, string stage, List<JsonElement> providers)
    {
        foreach (var provider in providers)
        {
            if (ReadString(provider, "model") is { } model)
            {
                models.Add(ModelStages.Entry(stage, model));
            }
        }
    }

    /// <summary>Deepgram documents an integer; its AsyncAPI schema says number, so 16000.0 is read as 16000 too.</summary>
    private static int? ReadSampleRate(JsonElement audio) =>
        TryGet(audio, "sample_rate", out var rate) && rate.ValueKind == JsonValueKind.Number
            && rate.TryGetDouble(out var value) && value is >= 1 and <= int.MaxValue && value == Math.Floor(value)
            ? (int)value
            : null;

    /// <summary>
    /// The provider objects of one agent stage: <c>stage.provider</c> (object or array) or, for a stage given as an
    /// array of fallbacks, the <c>provider</c> of each element.
    /// </summary>
    private static List<JsonElement> Providers(JsonElement agent, string stage)
    {
        var providers = new List<JsonElement>();
        if (!agent.TryGetProperty(stage, out var section))
        {
            return providers;
        }

        if (section.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in section.EnumerateArray())
            {
                AddProviders(item, providers);
            }
        }
        else
        {
            AddProviders(section, providers);
        }

        return providers;
    }

    private static void AddProviders(JsonElement section, List<JsonElement> providers)
    {
        if (!TryGet(section, "provider", out var provider))
        {
            return;
        }

        if (provider.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in provider.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object)
                {
                    providers.Add(item);
                }
            }
        }
        else if (provider.ValueKind == JsonValueKind.Object)
        {
            providers.Add(provider);
        }
    }

    private static string? Join(List<JsonElement> providers, string property)
    {
        string? joined = null;
        foreach (var provider in providers)
        {
            var value = ReadString(provider, property);
            if (value is null)
            {
                continue;
            }

            joined = joined is null ? value : $"{joined},{value}";
        }

        return Truncate(joined);
    }

    private static List<string> ReadTags(JsonElement root)
    {
        var tags = new List<string>();
        if (!root.TryGetProperty("tags", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return tags;
        }

        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && tags.Count < MaxTags)
            {
                tags.Add(Truncate(item.GetString())!);
            }
        }

        return tags;
    }

    private static bool TryGet(JsonElement element, string name, out JsonElement value)
    {
        value = default;
        return element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out value);
    }

    private static string? ReadString(JsonElement element, string name) =>
        TryGet(element, name, out var value) && value.ValueKind == JsonValueKind.String
            ? Truncate(value.GetString())
            : null;

    // Record fields are bounded so one client cannot bloat every record it writes.
    private static string? Truncate(string? value) =>
        value is { Length: > MaxValueLength } ? value[..MaxValueLength] : value;
}
