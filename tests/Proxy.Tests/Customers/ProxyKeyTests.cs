using Proxy.Customers;

namespace Proxy.Tests.Customers;

public sealed class ProxyKeyTests
{
    private const long Now = 1_795_000_000_000;

    [Fact]
    public void Key_without_expiry_or_revocation_is_active()
    {
        Assert.Equal("active", Key(expiresAtMs: null, revokedAtMs: null).StatusAt(Now));
    }

    [Fact]
    public void Key_expiring_later_is_active()
    {
        Assert.Equal("active", Key(expiresAtMs: Now + 1, revokedAtMs: null).StatusAt(Now));
    }

    [Fact]
    public void Key_expires_at_its_expiry_instant()
    {
        Assert.Equal("expired", Key(expiresAtMs: Now, revokedAtMs: null).StatusAt(Now));
        Assert.Equal("expired", Key(expiresAtMs: Now - 1, revokedAtMs: null).StatusAt(Now));
    }

    [Fact]
    public void Revocation_wins_over_expiry()
    {
        Assert.Equal("revoked", Key(expiresAtMs: Now - 10, revokedAtMs: Now - 5).StatusAt(Now));
        Assert.Equal("revoked", Key(expiresAtMs: null, revokedAtMs: Now + 5).StatusAt(Now));
    }

    private static ProxyKey Key(long? expiresAtMs, long? revokedAtMs) => new()
    {
        KeyId = "key_0123456789abcdef0123",
        CustomerId = "acme",
        Prefix = "dgpk_abcdefg",
        CreatedAtMs = Now - 1000,
        ExpiresAtMs = expiresAtMs,
        RevokedAtMs = revokedAtMs,
    };
}
