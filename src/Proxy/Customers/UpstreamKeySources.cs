namespace Proxy.Customers;

/// <summary>Where a customer's Deepgram key came from.</summary>
internal static class UpstreamKeySources
{
    /// <summary>Created by the gateway through Deepgram's keys API: deleted there when it is replaced or removed.</summary>
    public const string Provisioned = "provisioned";

    /// <summary>Given by the operator (<c>PUT …/upstream-key</c>): the gateway never deletes it at Deepgram.</summary>
    public const string Set = "set";
}
