namespace Proxy.Tunnel;

/// <summary>Why a byte stream stopped being a valid RFC 6455 frame sequence.</summary>
internal enum FrameProtocolError
{
    None,

    /// <summary>RSV1–3 set: no extension is ever negotiated, because the proxy strips Sec-WebSocket-Extensions.</summary>
    ReservedBitsSet,
    ReservedOpcode,
    FragmentedControlFrame,
    ControlFrameTooLong,
    UnexpectedContinuation,
    ExpectedContinuation,

    /// <summary>A client frame without a mask, or a server frame with one (RFC 6455 §5.1).</summary>
    MaskMismatch,

    /// <summary>A 64-bit payload length with the most significant bit set.</summary>
    InvalidPayloadLength,
    DataAfterClose,

    /// <summary>A frame announced more payload than <see cref="FrameLimits.MaxFrameBytes"/> (close code 1009).</summary>
    FrameTooLarge,

    /// <summary>A message grew past <see cref="FrameLimits.MaxMessageBytes"/> (close code 1009).</summary>
    MessageTooLarge,

    /// <summary>A text message that is not valid UTF-8 (close code 1007).</summary>
    InvalidUtf8,

    /// <summary>A Close frame with a 1-byte payload: half a status code (RFC 6455 §5.5.1).</summary>
    TruncatedCloseCode,

    /// <summary>A Close status a peer may not send (<see cref="WebSocketCloseCodes.MaySend"/>), 1005 and 1006 included.</summary>
    InvalidCloseCode,

    /// <summary>A Close reason that is not UTF-8 (RFC 6455 §5.5.1); checked whatever <see cref="FrameLimits.ValidateUtf8"/> says.</summary>
    InvalidCloseReason,

    /// <summary>Not the peer's fault: the proxy's own inspection failed, and it stopped inspecting this direction.</summary>
    InspectionFailed,
}
