namespace Proxy.Billing;

/// <summary>Binds the <c>Deepgram</c> configuration section: Deepgram's management API (the requests list for
/// reconciliation). Unset <see cref="ProjectId"/> or <see cref="ManagementKey"/> means "not configured".</summary>
internal sealed class DeepgramOptions
{
    public const string SectionName = "Deepgram";

    public string? ProjectId { get; set; }

    /// <summary>A Deepgram API key allowed to read the project's usage; a secret, never logged.</summary>
    public string? ManagementKey { get; set; }

    public Uri ApiUrl { get; set; } = new("https://api.deepgram.com");

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ProjectId) && !string.IsNullOrWhiteSpace(ManagementKey);
}
