namespace Proxy.Billing;

/// <summary>Binds the <c>Deepgram</c> configuration section: Deepgram's management API (the requests list for
/// reconciliation), how its failures are retried, and the scheduled reconciliation. Unset <see cref="ProjectId"/> or
/// <see cref="ManagementKey"/> means "not configured".</summary>
internal sealed class DeepgramOptions
{
    public const string SectionName = "Deepgram";

    public string? ProjectId { get; set; }

    /// <summary>A Deepgram API key allowed to read the project's usage; a secret, never logged.</summary>
    public string? ManagementKey { get; set; }

    public Uri ApiUrl { get; set; } = new("https://api.deepgram.com");

    /// <summary>Tries of one management API call, the first included (1 = never retried).</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The most one call waits between its tries in all: a <c>Retry-After</c> that does not fit is not waited
    /// for, the caller gets Deepgram's 429.</summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one try may take before it counts as failed (and a read is retried).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the scheduled reconciliation runs; zero turns it off. It only runs when
    /// <see cref="IsConfigured"/>.</summary>
    public TimeSpan ReconcileEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How far behind now a scheduled window ends: sessions still in their handshake and requests Deepgram
    /// has not listed yet stay out of it, for the next window.</summary>
    public TimeSpan ReconcileLag { get; set; } = TimeSpan.FromMinutes(15);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ProjectId) && !string.IsNullOrWhiteSpace(ManagementKey);

    public bool IsScheduled => IsConfigured && ReconcileEvery > TimeSpan.Zero;
}
