using System.Collections.Frozen;
using System.Text.Json;
using Proxy.Tunnel;

namespace Proxy.Telemetry;

/// <summary>The <c>error</c> label of <c>dgproxy_protocol_violations_total</c>: the parser's error in snake_case.</summary>
internal static class ProtocolErrorLabel
{
    private static readonly FrozenDictionary<FrameProtocolError, string> Labels = Enum.GetValues<FrameProtocolError>()
        .ToFrozenDictionary(e => e, e => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString()));

    public static string Of(FrameProtocolError error) => Labels[error];
}
