using Proxy.Metering;
using Proxy.Tunnel;

namespace Proxy.Sessions;

/// <summary>
/// What a session's text messages told, for its record: the client's Settings and model updates, its KeepAlives, the
/// Deepgram request id of the Welcome, and the characters of the ConversationText by role; and how much of each
/// message is worth copying to learn it. Each direction's copy loop writes its own facts; records read them from
/// other threads.
/// </summary>
internal sealed class AgentMessageFacts
{
    // Enough for a KeepAlive or a Welcome to be recognised, and for the type of any message that goes on longer
    // (ExtendedTextCaptureLimit); Settings get the configured limit.
    private const int SmallMessageCaptureLimit = 512;

    // A ConversationText is one utterance; longer content is counted up to this much of its message.
    internal const int ConversationTextCaptureLimit = 64 * 1024;

    private readonly int _settingsCaptureLimit;
    private long _userChars;
    private long _assistantChars;

    // Written by the client's copy loop, read when a record is made: few and small, so a lock.
    private readonly Lock _modelUpdatesGate = new();
    private readonly List<string> _modelUpdates = [];

    public AgentMessageFacts(int settingsCaptureLimit)
    {
        _settingsCaptureLimit = settingsCaptureLimit;
    }

    public string? DeepgramRequestId { get; private set; }

    public AgentSettingsSummary? Settings { get; private set; }

    public long KeepAlives { get; private set; }

    public long UserChars => Volatile.Read(ref _userChars);

    public long AssistantChars => Volatile.Read(ref _assistantChars);

    public int TextCaptureLimit(TunnelSide from) => from switch
    {
        TunnelSide.Client when Settings is null => _settingsCaptureLimit,
        _ => SmallMessageCaptureLimit,
    };

    /// <summary>Only the messages the record reads are copied past their first look: a ConversationText from the
    /// upstream (up to 64 KiB), a model update from the client (up to the Settings limit).</summary>
    public int ExtendedTextCaptureLimit(TunnelSide from, ReadOnlySpan<byte> prefix) =>
        (from, AgentMessageSniffer.Sniff(prefix, complete: false)) switch
        {
            (TunnelSide.Upstream, AgentMessageKind.ConversationText) => ConversationTextCaptureLimit,
            (TunnelSide.Client, AgentMessageKind.UpdateSpeak or AgentMessageKind.UpdateThink) => _settingsCaptureLimit,
            _ => 0,
        };

    /// <summary>One text message of <paramref name="kind"/>, of which <paramref name="payload"/> was captured
    /// (all of it when <paramref name="complete"/>).</summary>
    public void Read(TunnelSide from, AgentMessageKind kind, ReadOnlySpan<byte> payload, bool complete)
    {
        if (from == TunnelSide.Client)
        {
            if (kind == AgentMessageKind.KeepAlive)
            {
                KeepAlives++;
            }
            else if (kind == AgentMessageKind.Settings && Settings is null)
            {
                // A Settings larger than the inspection limit is still forwarded whole; only its models go unread.
                Settings = complete ? AgentSettingsInspector.Inspect(payload) : AgentSettingsSummary.Unreadable;
            }
            else if (kind is AgentMessageKind.UpdateSpeak or AgentMessageKind.UpdateThink && complete)
            {
                // Likewise a longer update is forwarded, its model not listed.
                AddModelUpdates(AgentSettingsInspector.InspectModelUpdate(payload, kind == AgentMessageKind.UpdateSpeak ? ModelStages.Speak : ModelStages.Think));
            }
        }
        else if (kind == AgentMessageKind.Welcome && DeepgramRequestId is null && complete)
        {
            DeepgramRequestId = WelcomeReader.ReadRequestId(payload);
        }
        else if (kind == AgentMessageKind.ConversationText)
        {
            CountConversationText(ConversationTextReader.Read(payload, complete));
        }
    }

    /// <summary>The models of the client's UpdateSpeak/UpdateThink messages, in order, each once.</summary>
    public IReadOnlyList<string> ModelUpdates()
    {
        lock (_modelUpdatesGate)
        {
            return [.. _modelUpdates];
        }
    }

    private void CountConversationText(ConversationTextCount count)
    {
        // Only the upstream's copy loop writes these; readers on other threads see a value at most a message old.
        switch (count.Role)
        {
            case ConversationRole.User:
                Volatile.Write(ref _userChars, _userChars + count.Chars);
                break;
            case ConversationRole.Assistant:
                Volatile.Write(ref _assistantChars, _assistantChars + count.Chars);
                break;
        }
    }

    private void AddModelUpdates(IReadOnlyList<string> models)
    {
        lock (_modelUpdatesGate)
        {
            foreach (var model in models)
            {
                // Bounded like the record's list, and a model switched back and forth is listed once.
                if (_modelUpdates.Count < ModelStages.MaxModelsSeen && !_modelUpdates.Contains(model, StringComparer.Ordinal))
                {
                    _modelUpdates.Add(model);
                }
            }
        }
    }
}
