using System.Collections.Frozen;
using System.Text.Json;

namespace Proxy.Tunnel;

/// <summary>A <see cref="FrameProtocolError"/> in snake_case, as the <c>error</c> label of
/// <c>dgproxy_protocol_violations_total</c> shows it.</summary>
internal static class ProtocolErrorLabel
{
    private static readonly FrozenDictionary<FrameProtocolError, string> Labels = Enum.GetValues<FrameProtocolError>()
        .ToFrozenDictionary(e => e, e => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString()));

    public static string Of(FrameProtocolError error) => Labels[error];
}
