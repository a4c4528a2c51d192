namespace Proxy.Customers;

/// <summary>A customer of the operator: the unit usage is billed to.</summary>
internal sealed record Customer
{
    public required string CustomerId { get; init; }

    public string? Name { get; init; }

    public string? Plan { get; init; }

    public bool Disabled { get; init; }

    public long CreatedAtMs { get; init; }

    public bool HasUpstreamKey { get; init; }

    /// <summary>Where its Deepgram key came from (<see cref="UpstreamKeySources"/>); null without one. A key stored
    /// before sources were recorded counts as set by PUT.</summary>
    public string? UpstreamKeySource { get; init; }

    /// <summary>Deepgram's id of its key (not a secret), known for provisioned keys.</summary>
    public string? DeepgramKeyId { get; init; }

    /// <summary>When its Deepgram key became its key (Unix ms), when recorded.</summary>
    public long? UpstreamKeySinceMs { get; init; }

    /// <summary>The customer's own settings (a setting not in them inherits its default).</summary>
    public CustomerSettings Settings { get; init; } = CustomerSettings.None;
}
