using Proxy.Customers;

namespace Proxy.Tests.Customers;

public sealed class UpstreamKeyFingerprintTests
{
    [Fact]
    public void A_key_has_one_fingerprint_of_32_hex_digits_that_does_not_hold_the_key()
    {
        var fingerprint = UpstreamKeyFingerprint.Of("dg-secret-0123456789");

        Assert.Equal(fingerprint, UpstreamKeyFingerprint.Of("dg-secret-0123456789"));
        Assert.Matches("^[0-9a-f]{32}$", fingerprint);
        Assert.DoesNotContain("secret", fingerprint, StringComparison.Ordinal);
        Assert.NotEqual(fingerprint, UpstreamKeyFingerprint.Of("dg-secret-0123456788"));
    }
}
