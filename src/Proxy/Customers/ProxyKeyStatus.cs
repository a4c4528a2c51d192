namespace Proxy.Customers;

internal static class ProxyKeyStatus
{
    public const string Active = "active";
    public const string Revoked = "revoked";
    public const string Expired = "expired";
}
