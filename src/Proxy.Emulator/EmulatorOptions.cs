namespace Proxy.Emulator;

/// <summary>Settings of the emulator, bound from the <c>Emulator</c> configuration section.</summary>
internal sealed class EmulatorOptions
{
    public const string SectionName = "Emulator";

    /// <summary>Deepgram API keys the emulator accepts (at least one).</summary>
    public IList<string> ApiKeys { get; init; } = [];

    /// <summary>The one project the emulator's management API serves; other project ids are refused (403).</summary>
    public string ProjectId { get; set; } = "emulator-project";

    /// <summary>
    /// Deepgram's observed CLIENT_MESSAGE_TIMEOUT: how long a session may go without any client data message.
    /// <see cref="TimeSpan.Zero"/> turns it off.
    /// </summary>
    public TimeSpan ClientMessageTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Close status sent after the CLIENT_MESSAGE_TIMEOUT error (Deepgram is observed to use 1011).</summary>
    public int ClientMessageTimeoutCloseCode { get; set; } = 1011;

    /// <summary>Largest client message (after reassembly of fragments); larger ones get Close 1009.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>How long to wait for the client's Close reply after the emulator sent Close, before aborting.</summary>
    public TimeSpan CloseHandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many connection records (open and closed) the in-memory store keeps.</summary>
    public int ConnectionHistoryLimit { get; set; } = 10_000;
}
