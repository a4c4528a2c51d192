namespace Proxy.Metering;

/// <summary>What a session's Settings message says about the models it uses: the inputs of pricing and reports.</summary>
internal sealed record AgentSettingsSummary
{
    public static readonly AgentSettingsSummary Unreadable = new() { Readable = false };

    public bool Readable { get; init; } = true;

    public string? ListenModel { get; init; }

    public string? ThinkProvider { get; init; }

    public string? ThinkModel { get; init; }

    public string? SpeakModel { get; init; }

    /// <summary>Set when <c>agent</c> is the id of an agent configuration stored at Deepgram instead of an object.</summary>
    public string? AgentConfigId { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public string? InputEncoding { get; init; }

    public int? InputSampleRate { get; init; }
}
