using Proxy.Customers;
using Proxy.Metering;
using Proxy.Sessions;

namespace Proxy.Tests.Sessions;

public sealed class SessionAccessTests
{
    private const long NowMs = 1_800_000_000_000;

    private static readonly Customer Active = new() { CustomerId = "acme" };

    private static readonly ProxyKey Key = new() { KeyId = "key_1", CustomerId = "acme", Prefix = "dgpk_x" };

    [Fact]
    public void An_active_key_of_an_active_customer_goes_on() =>
        Assert.Null(SessionAccess.CloseOwed(Active, Key with { ExpiresAtMs = NowMs + 1 }, NowMs));

    [Fact]
    public void A_revoked_key_is_closed_as_key_revoked_unless_revoked_keeping_sessions()
    {
        Assert.Equal(CloseReasons.KeyRevoked, SessionAccess.CloseOwed(Active, Key with { RevokedAtMs = NowMs - 5 }, NowMs)?.CloseReason);
        Assert.Null(SessionAccess.CloseOwed(Active, Key with { RevokedAtMs = NowMs - 5, RevokedKeepingSessions = true }, NowMs));
    }

    [Fact]
    public void An_expired_key_is_closed_as_key_revoked() =>
        Assert.Equal(CloseReasons.KeyRevoked, SessionAccess.CloseOwed(Active, Key with { ExpiresAtMs = NowMs }, NowMs)?.CloseReason);

    [Fact]
    public void A_disabled_customer_is_closed_as_customer_disabled_whatever_its_key()
    {
        var disabled = Active with { Disabled = true };
        var close = SessionAccess.CloseOwed(disabled, Key with { RevokedAtMs = NowMs, RevokedKeepingSessions = true }, NowMs);
        Assert.Equal(CloseReasons.CustomerDisabled, close?.CloseReason);
        Assert.Equal(AgentControlMessages.ClosedByAdmin, close?.ErrorCode);
        Assert.Equal(1000, close?.ClientCloseCode);
    }

    [Fact]
    public void An_unreadable_key_or_customer_is_not_a_revocation() =>
        Assert.Null(SessionAccess.CloseOwed(null, null, NowMs));
}
