namespace Proxy.Customers;

/// <summary>What asking to delete a customer did.</summary>
internal enum CustomerDeletionOutcome
{
    Deleted,

    /// <summary>No such customer.</summary>
    NotFound,

    /// <summary>The customer is enabled: only a disabled customer (whose live sessions are closed) is deleted.</summary>
    Enabled,
}
