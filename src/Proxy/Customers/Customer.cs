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

    /// <summary>The customer's own settings (a setting not in them inherits its default).</summary>
    public CustomerSettings Settings { get; init; } = CustomerSettings.None;
}
