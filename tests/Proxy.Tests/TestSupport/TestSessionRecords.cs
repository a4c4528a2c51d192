using Proxy.Metering;

namespace Proxy.Tests.TestSupport;

/// <summary>
/// Session records for tests, built from one identity, so a test spells out (with <c>with</c>) only the fields it is
/// about: <see cref="Minimal"/> for the fields every record has, <see cref="Described"/> for a session that reached
/// Deepgram and sent its Settings.
/// </summary>
internal static class TestSessionRecords
{
    public const string SessionId = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    public const string ClientSessionId = "client-corr-42";
    public const string CustomerId = "acme";
    public const string KeyId = "key_0123456789abcdef0123";
    public const string PlanId = "plan_basic";
    public const string InstanceId = "proxy-a";
    public const string DeepgramRequestId = "fc553ec9-5874-49ca-a47c-b670d525a4b1";

    /// <summary>2026-11-26 10:30 UTC: tests that read a usage day depend on it.</summary>
    public const long ClientOpenedAtMs = 1_795_689_000_000;

    /// <summary>Only the fields every record has: an open record before the upstream answered, no Settings, no
    /// counters.</summary>
    public static SessionRecord Minimal(string sessionId = SessionId, string customerId = CustomerId, long clientOpenedAtMs = ClientOpenedAtMs) => new()
    {
        SessionId = sessionId,
        CustomerId = customerId,
        KeyId = KeyId,
        InstanceId = InstanceId,
        ClientOpenedAtMs = clientOpenedAtMs,
        Status = SessionStatus.Open,
    };

    /// <summary>An open record with every identifying field, the upstream open and what the Settings message told
    /// (models, tags); counters, end and sign of life are the test's.</summary>
    public static SessionRecord Described(long clientOpenedAtMs, long upstreamOpenedAtMs) => Minimal(clientOpenedAtMs: clientOpenedAtMs) with
    {
        ClientSessionId = ClientSessionId,
        PlanId = PlanId,
        DeepgramRequestId = DeepgramRequestId,
        UpstreamOpenedAtMs = upstreamOpenedAtMs,
        ListenModel = "nova-3",
        ThinkProvider = "open_ai",
        ThinkModel = "gpt-4o-mini",
        SpeakModel = "aura-2-thalia-en",
        Tags = ["support", "eu"],
    };
}
