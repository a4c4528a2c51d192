using Proxy.Metering;

namespace Proxy.Tests.TestSupport;

/// <summary>
/// Session records for tests, built from one identity, so a test spells out (with <c>with</c>) only the fields it is
/// about: <see cref="Minimal"/> for the fields every record has, <see cref="Described"/> for a session that reached
/// Deepgram and sent its Settings; <see cref="UpstreamOpen"/>, <see cref="Closed"/> and <see cref="Rated"/> for the
/// records the finalize and indicator scripts are tested with.
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

    /// <summary>An open record whose upstream answered 10 ms after the client's open (on the usage day of
    /// <see cref="ClientOpenedAtMs"/>).</summary>
    public static SessionRecord UpstreamOpen(string sessionId, string customerId) =>
        Minimal(sessionId, customerId) with { UpstreamOpenedAtMs = ClientOpenedAtMs + 10 };

    /// <summary><paramref name="open"/> closed after <paramref name="durationMs"/> of upstream time: measured (the
    /// client closed) or the reaper's estimate (orphaned).</summary>
    public static SessionRecord Closed(SessionRecord open, long durationMs, bool estimated)
    {
        var upstreamOpenedAtMs = open.UpstreamOpenedAtMs ?? throw new ArgumentException("The session never reached the upstream.", nameof(open));
        return open with
        {
            UpstreamClosedAtMs = upstreamOpenedAtMs + durationMs,
            ClientClosedAtMs = upstreamOpenedAtMs + 2 + durationMs,
            DurationMs = durationMs,
            BillableMs = BillingRules.BillableMs(durationMs),
            CloseReason = estimated ? CloseReasons.Orphaned : CloseReasons.ClientClosed,
            Status = SessionStatus.Closed,
            Estimated = estimated,
        };
    }

    /// <summary><paramref name="record"/> as the rater leaves it under plan <c>voice</c> version 3 (nova-3, GPT-5):
    /// 1.20 USD = 0.05 per session + 0.15 base + 1.00 GPT-5 surcharge; <paramref name="indicatorFees"/> (none by
    /// default) are listed among the parts as given, the total stays 1.20 USD.</summary>
    public static SessionRecord Rated(SessionRecord record, IReadOnlyDictionary<string, long>? indicatorFees = null) => record with
    {
        KeyId = "key_1",
        PlanId = "voice",
        PlanVersion = 3,
        ListenModel = "nova-3",
        ThinkModel = "gpt-5",
        RatedMs = record.DurationMs,
        CostMicros = 1_200_000,
        Currency = "USD",
        CostParts = new CostBreakdown
        {
            PerSessionMicros = 50_000,
            BaseMicros = 150_000,
            Surcharges = new Dictionary<string, long> { ["think:gpt-5"] = 1_000_000 },
            IndicatorFees = indicatorFees ?? new Dictionary<string, long>(StringComparer.Ordinal),
        },
    };
}
