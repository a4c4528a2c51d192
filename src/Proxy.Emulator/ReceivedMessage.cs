using System.Net.WebSockets;

namespace Proxy.Emulator;

/// <summary>One reassembled client message; its bytes stay in the session's buffer.</summary>
/// <param name="TooBig">It crossed MaxMessageBytes; only a prefix was kept and the rest is skipped.</param>
internal readonly record struct ReceivedMessage(WebSocketMessageType Type, bool TooBig);
