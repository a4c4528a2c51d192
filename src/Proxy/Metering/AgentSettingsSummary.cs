namespace Proxy.Metering;

/// <summary>What a session's Settings message says about the models it uses: the inputs of pricing and reports.</summary>
internal sealed record AgentSettingsSummary
{
    public static readonly AgentSettingsSummary Unreadable = new() { Readable = false };

    public bool Readable { get; init; } = true;

    public string? ListenModel { get; init; }

    public string? ThinkProvider { get; init; }

    public string? ThinkModel { get; init; }

    public string? SpeakProvider { get; init; }

    public string? SpeakModel { get; init; }

    /// <summary>Every model named, one entry per provider (fallbacks included) as <c>stage:model</c>
    /// (<see cref="ModelsSeen"/>): listen first, then think, then speak.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    /// <summary>Set when <c>agent</c> is the id of an agent configuration stored at Deepgram instead of an object.</summary>
    public string? AgentConfigId { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? InputEncoding { get; init; }

    public int? InputSampleRate { get; init; }

    public string? OutputEncoding { get; init; }

    public int? OutputSampleRate { get; init; }
}
