using Microsoft.Extensions.Time.Testing;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Sessions;

using Proxy.Tests.Sessions;

namespace Proxy.Tests.Tunnel;

public sealed class DirectionMeterTests
{
    [Fact]
    public void Bytes_add_up_across_reads()
    {
        using var session = NewSession();
        var meter = session.Inbound;

        meter.AddBytes(10);
        meter.AddBytes(0);
        meter.AddBytes(65_536);

        Assert.Equal(65_546, meter.Bytes);
        Assert.Equal(0, meter.Frames);
    }

    [Fact]
    public void Every_frame_counts_and_only_binary_message_payload_counts_as_audio()
    {
        using var session = NewSession();
        var meter = session.Inbound;

        meter.OnFrame(WebSocketOpcode.Text, WebSocketOpcode.Text, true, 500);
        meter.OnFrame(WebSocketOpcode.Binary, WebSocketOpcode.Binary, false, 1000);
        meter.OnFrame(WebSocketOpcode.Ping, WebSocketOpcode.Ping, true, 4);
        meter.OnFrame(WebSocketOpcode.Continuation, WebSocketOpcode.Binary, true, 2000);
        meter.OnFrame(WebSocketOpcode.Continuation, WebSocketOpcode.Text, true, 300);
        meter.OnFrame(WebSocketOpcode.Close, WebSocketOpcode.Close, true, 2);

        Assert.Equal(6, meter.Frames);
        Assert.Equal(2, meter.BinaryFrames);
        Assert.Equal(2, meter.TextFrames);
        Assert.Equal(2, meter.ControlFrames);
        Assert.Equal(3000, meter.BinaryPayloadBytes);
        Assert.Equal(0, meter.Bytes);
    }

    [Fact]
    public void A_ping_inside_a_fragmented_binary_message_is_a_control_frame_and_not_audio()
    {
        using var session = NewSession();
        var meter = session.Inbound;

        meter.OnFrame(WebSocketOpcode.Binary, WebSocketOpcode.Binary, false, 1000);
        meter.OnFrame(WebSocketOpcode.Ping, WebSocketOpcode.Binary, true, 4);
        meter.OnFrame(WebSocketOpcode.Continuation, WebSocketOpcode.Binary, true, 1000);

        Assert.Equal(2, meter.BinaryFrames);
        Assert.Equal(1, meter.ControlFrames);
        Assert.Equal(2000, meter.BinaryPayloadBytes);
    }

    [Fact]
    public void Each_direction_has_its_own_counters()
    {
        using var session = NewSession();

        session.Inbound.AddBytes(7);
        session.Inbound.OnFrame(WebSocketOpcode.Binary, WebSocketOpcode.Binary, true, 5);
        session.Outbound.AddBytes(11);

        Assert.Equal(7, session.Inbound.Bytes);
        Assert.Equal(11, session.Outbound.Bytes);
        Assert.Equal(1, session.Inbound.Frames);
        Assert.Equal(0, session.Outbound.Frames);
        Assert.Equal(0, session.Outbound.BinaryPayloadBytes);
    }

    [Fact]
    public void Close_frames_reach_the_session_with_the_side_they_came_from()
    {
        using var session = NewSession();
        SessionFrames.MarkOpened(session, new FakeTimeProvider(SessionFrames.Start));

        session.Outbound.OnClose(1011, "oops"u8);
        session.Inbound.OnClose(1000, default);

        var record = session.ToFinalRecord();
        Assert.Equal("upstream", record.CloseInitiator);
        Assert.Equal(1011, record.CloseCode);
    }

    [Fact]
    public void Capture_limit_is_the_session_limit_for_the_meter_side()
    {
        using var session = new AgentSession(SessionFrames.Identity, new FakeTimeProvider(SessionFrames.Start), settingsCaptureLimit: 4096, new SessionPolicy());

        Assert.Equal(4096, session.Inbound.GetTextCaptureLimit());
        Assert.Equal(512, session.Outbound.GetTextCaptureLimit());
    }

    private static AgentSession NewSession() =>
        new(SessionFrames.Identity, new FakeTimeProvider(SessionFrames.Start), settingsCaptureLimit: 1024, new SessionPolicy());
}
