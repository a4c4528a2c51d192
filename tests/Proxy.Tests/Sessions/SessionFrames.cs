using System.Text;
using Proxy.Sessions;
using Proxy.Tests.Tunnel;

namespace Proxy.Tests.Sessions;

/// <summary>Feeds wire bytes to a session the way the tunnel does: count the read, then parse it.</summary>
internal static class SessionFrames
{
    public static readonly DateTimeOffset Start = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    public static readonly long StartMs = Start.ToUnixTimeMilliseconds();

    public static readonly SessionIdentity Identity = new(
        SessionId: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        CustomerId: "acme",
        KeyId: "key_0123456789abcdef0123",
        PlanId: "plan_basic",
        InstanceId: "proxy-a",
        ClientSessionId: "client-corr-42");

    public const string Settings = """
        {"type":"Settings","tags":["support","eu"],
         "audio":{"input":{"encoding":"linear16","sample_rate":16000},"output":{"encoding":"linear16","sample_rate":24000}},
         "agent":{"listen":{"provider":{"type":"deepgram","model":"nova-3"}},
                  "think":{"provider":{"type":"open_ai","model":"gpt-4o-mini"},"prompt":"Be brief."},
                  "speak":{"provider":{"type":"deepgram","model":"aura-2-thalia-en"}}}}
        """;

    public const string Welcome = """{"type":"Welcome","request_id":"fc553ec9-5874-49ca-a47c-b670d525a4b1"}""";

    public const string KeepAlive = """{"type":"KeepAlive"}""";

    /// <summary>The upstream accepted the session now, by the given clock.</summary>
    public static void MarkOpened(AgentSession session, TimeProvider time) =>
        session.OnUpstreamOpened(time.GetTimestamp(), time.GetUtcNow().ToUnixTimeMilliseconds());

    /// <summary>Client → upstream bytes (masked frames); returns how many bytes went through.</summary>
    public static int FromClient(AgentSession session, params byte[][] reads)
    {
        var total = 0;
        foreach (var read in reads)
        {
            session.Inbound.AddBytes(read.Length);
            session.Tunnel.ClientParser.Parse(read);
            total += read.Length;
        }

        return total;
    }

    /// <summary>Upstream → client bytes (unmasked frames); returns how many bytes went through.</summary>
    public static int FromUpstream(AgentSession session, params byte[][] reads)
    {
        var total = 0;
        foreach (var read in reads)
        {
            session.Outbound.AddBytes(read.Length);
            session.Tunnel.UpstreamParser.Parse(read);
            total += read.Length;
        }

        return total;
    }

    public static byte[] ClientText(string text) => FrameBuilder.Text(text, masked: true);

    public static byte[] UpstreamText(string text) => FrameBuilder.Text(text, masked: false);

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
