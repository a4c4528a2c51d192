namespace Proxy.Customers;

internal enum KeyAuthenticationOutcome
{
    Accepted,
    UnknownKey,
    RevokedKey,
    ExpiredKey,
    UnknownCustomer,
    CustomerDisabled,
}
