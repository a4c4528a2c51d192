namespace Proxy.Billing;

/// <summary>Binds the <c>Deepgram</c> configuration section: Deepgram's management API (the requests list for
/// reconciliation, customers' own Deepgram keys), how its failures are retried, and the scheduled reconciliation.
/// Unset <see cref="ProjectId"/> or <see cref="ManagementKey"/> means "not configured".</summary>
internal sealed class DeepgramOptions
{
    public const string SectionName = "Deepgram";

    /// <summary>What a provisioned customer key may do when <see cref="KeyScopes"/> is not set: make API requests
    /// (agent sessions included), nothing on the project.</summary>
    public static readonly IReadOnlyList<string> DefaultKeyScopes = ["usage:write"];

    public string? ProjectId { get; set; }

    /// <summary>A Deepgram API key allowed to read the project's usage and to create and delete its keys; a secret,
    /// never logged.</summary>
    public string? ManagementKey { get; set; }

    public Uri ApiUrl { get; set; } = new("https://api.deepgram.com");

    /// <summary>Scopes of the keys <c>POST …/upstream-key/provision</c> and <c>…/rotate</c> create. Null (not a
    /// default list) when unset: the binder appends a configured list to an initialized one instead of replacing it.</summary>
    public string[]? KeyScopes { get; set; }

    /// <summary>How often one instance looks for retired customer keys whose sessions have all ended, to delete them
    /// at Deepgram.</summary>
    public TimeSpan KeyRetirementInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long after a key stops being the customer's its deletion waits at least, and how far after that
    /// instant a live session's open (its id's time) still counts as possibly using it: covers an admission that read
    /// the old key just before the switch but took its lease just after, and clock differences between instances.</summary>
    public TimeSpan KeyRetirementGrace { get; set; } = TimeSpan.FromMinutes(1);

    public IReadOnlyList<string> EffectiveKeyScopes => KeyScopes is { Length: > 0 } scopes ? scopes : DefaultKeyScopes;

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
