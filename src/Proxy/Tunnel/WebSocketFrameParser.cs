using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Proxy.Tunnel;

/// <summary>
/// Incremental RFC 6455 frame parser for one direction of a tunnel. It sees the bytes as the copy loop moves them,
/// in reads of any size, keeps at most one split frame header (14 bytes) and skips payloads by count. Only text
/// messages the observer asks for and Close payloads are copied (unmasked), into a bounded buffer; binary audio is
/// never copied. A Close is checked once whole (RFC 6455 §5.5.1, §7.4: empty, or a code a peer may send and a UTF-8
/// reason); a bad one is a protocol error, never reported as a Close. After the first protocol error it stops
/// interpreting and the tunnel just counts bytes.
/// </summary>
internal sealed class WebSocketFrameParser : IDisposable
{
    private const int MaxHeaderLength = 14;
    private const int MaxControlPayload = 125;

    private readonly IWebSocketFrameObserver _observer;
    private readonly bool _expectMasked;

    private HeaderBytes _header;
    private int _headerCount;
    private int _headerNeeded = 2;

    private bool _inPayload;
    private long _payloadRemaining;
    private MaskKey _mask;
    private bool _masked;
    private int _maskOffset;
    private WebSocketOpcode _frameOpcode;
    private bool _frameFin;

    // The data message in progress (Text/Binary), or Continuation when none is.
    private WebSocketOpcode _messageOpcode;

    private ControlBytes _control;
    private int _controlCount;

    private byte[]? _text;
    private int _textCount;
    private int _textLimit;
    private bool _textExtensionAsked;
    private long _textLength;

    private bool _closeSeen;

    // Where the chunk being parsed crosses a message boundary, for injecting frames into the same byte stream.
    private int _chunkConsumed;

    private readonly FrameLimits _limits;
    private long _messageLength;
    private bool _messageOpenBeforeFrame;
    private int _frameStartInChunk = -1;
    private Utf8Tail _utf8Tail;
    private int _utf8TailLength;

    public WebSocketFrameParser(IWebSocketFrameObserver observer, bool expectMasked, FrameLimits? limits = null)
    {
        _observer = observer;
        _expectMasked = expectMasked;
        _limits = limits ?? FrameLimits.None;
    }

    /// <summary>
    /// Where, in the last chunk given to <see cref="Parse"/>, the frame that broke the rules began: everything before
    /// it was whole frames. -1 when that frame began in an earlier chunk (part of it has gone on already).
    /// </summary>
    public int FaultOffsetInChunk { get; private set; } = -1;

    /// <summary>Whether the bad frame came inside a fragmented message: then only control frames may follow the cut.</summary>
    public bool FaultInsideMessage { get; private set; }

    public FrameProtocolError Error { get; private set; }

    public bool IsFaulted => Error != FrameProtocolError.None;

    /// <summary>True while a frame has been started but not finished: injecting a frame now would corrupt it.</summary>
    public bool IsInsideFrame => _inPayload || _headerCount > 0;

    /// <summary>True while a fragmented data message is open: only control frames may be injected.</summary>
    public bool IsInsideMessage => _messageOpcode != WebSocketOpcode.Continuation;

    /// <summary>Between two whole messages: a frame of any kind can be put into the byte stream here.</summary>
    public bool AtMessageBoundary => !IsFaulted && !IsInsideFrame && !IsInsideMessage;

    /// <summary>A Close frame went by: nothing may follow it in this direction (RFC 6455 §5.5.1).</summary>
    public bool CloseSeen => _closeSeen;

    /// <summary>
    /// Whether the last chunk given to <see cref="Parse"/> ended inside a Close frame (its header or its payload):
    /// a Close is judged only once it is whole, so the writer holds its bytes back until then.
    /// </summary>
    public bool EndedInsideClose =>
        !IsFaulted && (_inPayload
            ? _frameOpcode == WebSocketOpcode.Close
            : _headerCount > 0 && (WebSocketOpcode)(_header[0] & 0x0F) == WebSocketOpcode.Close);

    /// <summary>Where, in the last chunk given to <see cref="Parse"/>, the frame still unfinished at its end began;
    /// -1 when it began in an earlier chunk.</summary>
    public int UnfinishedFrameStartInChunk => IsInsideFrame ? _frameStartInChunk : -1;

    /// <summary>Whether the last chunk given to <see cref="Parse"/> started between two whole messages.</summary>
    public bool ChunkStartedAtMessageBoundary { get; private set; }

    /// <summary>Offset just after the first whole message (or lone control frame) that ended inside the last chunk
    /// given to <see cref="Parse"/>; -1 when none did.</summary>
    public int FirstMessageBoundaryInChunk { get; private set; } = -1;

    public void Parse(ReadOnlySpan<byte> data)
    {
        ChunkStartedAtMessageBoundary = AtMessageBoundary;
        FirstMessageBoundaryInChunk = -1;
        _chunkConsumed = 0;

        // A frame continuing from an earlier chunk did not start in this one.
        _frameStartInChunk = -1;
        while (!data.IsEmpty && !IsFaulted)
        {
            if (_inPayload)
            {
                var take = (int)Math.Min(_payloadRemaining, data.Length);
                if (take > 0)
                {
                    CapturePayload(data[..take]);
                    if (IsFaulted)
                    {
                        return;
                    }

                    data = data[take..];
                    _payloadRemaining -= take;
                    _chunkConsumed += take;
                }

                if (_payloadRemaining == 0)
                {
                    CompleteFrame();
                }

                continue;
            }

            if (_closeSeen)
            {
                Fail(FrameProtocolError.DataAfterClose);
                return;
            }

            if (_headerCount == 0)
            {
                _frameStartInChunk = _chunkConsumed;

                // The usual case, a header whole in this chunk, is read where it lies; only a split one is gathered.
                if (data.Length >= 2)
                {
                    var headerLength = HeaderLength(data[0], data[1]);
                    if (data.Length >= headerLength)
                    {
                        _chunkConsumed += headerLength;
                        StartFrame(data[..headerLength]);
                        data = data[headerLength..];
                        continue;
                    }
                }
            }

            var copy = Math.Min(_headerNeeded - _headerCount, data.Length);
            data[..copy].CopyTo(((Span<byte>)_header)[_headerCount..]);
            _headerCount += copy;
            _chunkConsumed += copy;
            data = data[copy..];
            if (_headerCount < _headerNeeded)
            {
                continue;
            }

            if (_headerNeeded == 2)
            {
                _headerNeeded = HeaderLength(_header[0], _header[1]);
                if (_headerCount < _headerNeeded)
                {
                    continue;
                }
            }

            StartFrame(_header);
        }
    }

    /// <summary>Stops interpreting after the inspection itself failed; the bytes keep flowing and being counted.</summary>
    public void Abandon() => Fail(FrameProtocolError.InspectionFailed);

    public void Dispose()
    {
        ReleaseText();
    }

    private static int HeaderLength(byte b0, byte b1)
    {
        var length = 2;
        var len7 = b1 & 0x7F;
        if (len7 == 126)
        {
            length += 2;
        }
        else if (len7 == 127)
        {
            length += 8;
        }

        if ((b1 & 0x80) != 0)
        {
            length += 4;
        }

        return length;
    }

    private void StartFrame(ReadOnlySpan<byte> h)
    {
        var fin = (h[0] & 0x80) != 0;
        var opcode = (WebSocketOpcode)(h[0] & 0x0F);
        var masked = (h[1] & 0x80) != 0;
        var len7 = h[1] & 0x7F;
        var offset = 2;
        long length = len7;
        if (len7 == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(h[2..]);
            offset = 4;
        }
        else if (len7 == 127)
        {
            var raw = BinaryPrimitives.ReadUInt64BigEndian(h[2..]);
            if (raw > long.MaxValue)
            {
                Fail(FrameProtocolError.InvalidPayloadLength);
                return;
            }

            length = (long)raw;
            offset = 10;
        }

        var error = Validate(h[0], opcode, fin, masked, length);
        if (error == FrameProtocolError.None && ((byte)opcode & 0x08) == 0)
        {
            var messageLength = (opcode == WebSocketOpcode.Continuation ? _messageLength : 0) + length;
            error = length > _limits.MaxFrameBytes ? FrameProtocolError.FrameTooLarge
                : messageLength > _limits.MaxMessageBytes ? FrameProtocolError.MessageTooLarge
                : FrameProtocolError.None;
            _messageLength = messageLength;
        }

        if (error != FrameProtocolError.None)
        {
            Fail(error);
            return;
        }

        if (masked)
        {
            h.Slice(offset, 4).CopyTo(_mask);
        }

        _masked = masked;
        _maskOffset = 0;
        _messageOpenBeforeFrame = IsInsideMessage;
        _frameOpcode = opcode;
        _frameFin = fin;
        _headerCount = 0;
        _headerNeeded = 2;
        _payloadRemaining = length;
        _inPayload = true;

        var isControl = ((byte)opcode & 0x08) != 0;
        if (isControl)
        {
            _controlCount = 0;
            _observer.OnFrame(opcode, opcode, fin, length);
        }
        else
        {
            if (opcode != WebSocketOpcode.Continuation)
            {
                _messageOpcode = opcode;
                if (opcode == WebSocketOpcode.Text)
                {
                    BeginText();
                }
            }

            _observer.OnFrame(opcode, _messageOpcode, fin, length);
        }

        if (length == 0)
        {
            CompleteFrame();
        }
    }

    private FrameProtocolError Validate(byte b0, WebSocketOpcode opcode, bool fin, bool masked, long length)
    {
        if ((b0 & 0x70) != 0)
        {
            return FrameProtocolError.ReservedBitsSet;
        }

        if (masked != _expectMasked)
        {
            return FrameProtocolError.MaskMismatch;
        }

        switch (opcode)
        {
            case WebSocketOpcode.Close:
            case WebSocketOpcode.Ping:
            case WebSocketOpcode.Pong:
                if (!fin)
                {
                    return FrameProtocolError.FragmentedControlFrame;
                }

                // A Close payload is empty or starts with a 2-byte code: one byte is wrong before it arrives.
                return length > MaxControlPayload ? FrameProtocolError.ControlFrameTooLong
                    : opcode == WebSocketOpcode.Close && length == 1 ? FrameProtocolError.TruncatedCloseCode
                    : FrameProtocolError.None;
            case WebSocketOpcode.Continuation:
                return _messageOpcode == WebSocketOpcode.Continuation
                    ? FrameProtocolError.UnexpectedContinuation
                    : FrameProtocolError.None;
            case WebSocketOpcode.Text:
            case WebSocketOpcode.Binary:
                return _messageOpcode != WebSocketOpcode.Continuation
                    ? FrameProtocolError.ExpectedContinuation
                    : FrameProtocolError.None;
            default:
                return FrameProtocolError.ReservedOpcode;
        }
    }

    private void BeginText()
    {
        _textCount = 0;
        _textLength = 0;
        _utf8TailLength = 0;
        _textExtensionAsked = false;
        _textLimit = Math.Max(0, _observer.GetTextCaptureLimit());
    }

    private void CapturePayload(ReadOnlySpan<byte> chunk)
    {
        if (((byte)_frameOpcode & 0x08) != 0)
        {
            if (_frameOpcode == WebSocketOpcode.Close)
            {
                Span<byte> target = _control;
                Unmask(chunk, target.Slice(_controlCount, chunk.Length));
                _controlCount += chunk.Length;
            }
            else
            {
                _maskOffset += chunk.Length;
            }

            return;
        }

        if (_messageOpcode != WebSocketOpcode.Text)
        {
            // Binary payloads are counted from the header and never copied.
            _maskOffset += chunk.Length;
            return;
        }

        _textLength += chunk.Length;
        if (_limits.ValidateUtf8 && !ValidateUtf8(chunk))
        {
            Fail(FrameProtocolError.InvalidUtf8, inCurrentFrame: true);
            return;
        }

        var rest = CaptureText(chunk);
        if (!rest.IsEmpty && _textCount > 0 && !_textExtensionAsked)
        {
            // The first look is full and more follows: the observer may want the rest of this kind of message.
            _textExtensionAsked = true;
            _textLimit = Math.Max(_textLimit, _observer.ExtendTextCapture(_text.AsSpan(0, _textCount)));
            rest = CaptureText(rest);
        }

        _maskOffset += rest.Length;
    }

    /// <summary>Copies (unmasked) as much of <paramref name="chunk"/> as the capture limit leaves room for; returns
    /// the part that did not fit.</summary>
    private ReadOnlySpan<byte> CaptureText(ReadOnlySpan<byte> chunk)
    {
        var take = Math.Min(Math.Max(0, _textLimit - _textCount), chunk.Length);
        if (take == 0)
        {
            return chunk;
        }

        EnsureTextCapacity(_textCount + take);
        Unmask(chunk[..take], _text.AsSpan(_textCount, take));
        _textCount += take;
        return chunk[take..];
    }

    private void EnsureTextCapacity(int needed)
    {
        if (_text is not null && _text.Length >= needed)
        {
            return;
        }

        var size = Math.Min(_textLimit, Math.Max(needed, Math.Max(256, (_text?.Length ?? 0) * 2)));
        var next = ArrayPool<byte>.Shared.Rent(size);
        if (_text is not null)
        {
            _text.AsSpan(0, _textCount).CopyTo(next);
            ArrayPool<byte>.Shared.Return(_text);
        }

        _text = next;
    }

    private void Unmask(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (!_masked)
        {
            source.CopyTo(destination);
            return;
        }

        ReadOnlySpan<byte> mask = _mask;
        var offset = _maskOffset;
        for (var i = 0; i < source.Length; i++)
        {
            destination[i] = (byte)(source[i] ^ mask[(offset + i) & 3]);
        }

        _maskOffset += source.Length;
    }

    private void CompleteFrame()
    {
        _inPayload = false;
        switch (_frameOpcode)
        {
            case WebSocketOpcode.Close:
                ReadOnlySpan<byte> payload = _control;
                payload = payload[.._controlCount];
                var closeError = CheckClosePayload(payload);
                if (closeError != FrameProtocolError.None)
                {
                    // Not a Close the session can end with: its code must never become the peer's in the record.
                    Fail(closeError, inCurrentFrame: true);
                    return;
                }

                _closeSeen = true;
                MarkBoundaryIfBetweenMessages();
                int? code = payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(payload) : null;
                _observer.OnClose(code, payload.Length > 2 ? payload[2..] : default);
                return;
            case WebSocketOpcode.Ping:
            case WebSocketOpcode.Pong:
                MarkBoundaryIfBetweenMessages();
                return;
        }

        if (!_frameFin)
        {
            return;
        }

        if (_messageOpcode == WebSocketOpcode.Text)
        {
            if (_limits.ValidateUtf8 && _utf8TailLength > 0)
            {
                // The message ended in the middle of a character.
                Fail(FrameProtocolError.InvalidUtf8, inCurrentFrame: true);
                return;
            }

            _observer.OnTextMessage(_text is null ? default : _text.AsSpan(0, _textCount), _textLength);
            ReleaseText();
        }

        _messageOpcode = WebSocketOpcode.Continuation;
        _messageLength = 0;
        MarkBoundaryIfBetweenMessages();
    }

    /// <summary>The whole, unmasked Close payload (a control frame is never fragmented, so it is all here).</summary>
    private static FrameProtocolError CheckClosePayload(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            return FrameProtocolError.None;
        }

        if (!WebSocketCloseCodes.MaySend(BinaryPrimitives.ReadUInt16BigEndian(payload)))
        {
            return FrameProtocolError.InvalidCloseCode;
        }

        return System.Text.Unicode.Utf8.IsValid(payload[2..]) ? FrameProtocolError.None : FrameProtocolError.InvalidCloseReason;
    }

    private void MarkBoundaryIfBetweenMessages()
    {
        if (FirstMessageBoundaryInChunk < 0 && _messageOpcode == WebSocketOpcode.Continuation)
        {
            FirstMessageBoundaryInChunk = _chunkConsumed;
        }
    }

    /// <summary>
    /// Checks a piece of a text message as it passes, unmasking it into a small stack buffer (nothing is kept). A
    /// character split across pieces is carried over in up to three bytes.
    /// </summary>
    private bool ValidateUtf8(ReadOnlySpan<byte> chunk)
    {
        Span<byte> buffer = stackalloc byte[256];
        Span<char> chars = stackalloc char[256];
        var maskOffset = _maskOffset;
        while (!chunk.IsEmpty)
        {
            ReadOnlySpan<byte> tail = _utf8Tail;
            tail[.._utf8TailLength].CopyTo(buffer);
            var take = Math.Min(chunk.Length, buffer.Length - _utf8TailLength);
            var piece = buffer.Slice(_utf8TailLength, take);
            if (_masked)
            {
                ReadOnlySpan<byte> mask = _mask;
                for (var i = 0; i < take; i++)
                {
                    piece[i] = (byte)(chunk[i] ^ mask[(maskOffset + i) & 3]);
                }
            }
            else
            {
                chunk[..take].CopyTo(piece);
            }

            maskOffset += take;
            chunk = chunk[take..];
            var data = buffer[..(_utf8TailLength + take)];
            var status = System.Text.Unicode.Utf8.ToUtf16(data, chars, out var read, out _, replaceInvalidSequences: false, isFinalBlock: false);
            if (status == System.Buffers.OperationStatus.InvalidData)
            {
                return false;
            }

            _utf8TailLength = data.Length - read;
            data[read..].CopyTo(_utf8Tail);
        }

        return true;
    }

    private void ReleaseText()
    {
        if (_text is not null)
        {
            ArrayPool<byte>.Shared.Return(_text);
            _text = null;
        }

        _textCount = 0;
    }

    private void Fail(FrameProtocolError error, bool inCurrentFrame = false)
    {
        FaultOffsetInChunk = _frameStartInChunk;

        // Where the cut goes (before the bad frame), was a message open? A frame found bad in its own payload may
        // have opened one itself; that does not count.
        FaultInsideMessage = inCurrentFrame ? _messageOpenBeforeFrame : IsInsideMessage;
        Error = error;
        _inPayload = false;
        _headerCount = 0;
        _headerNeeded = 2;
        ReleaseText();
        _observer.OnProtocolError(error);
    }

    [InlineArray(MaxHeaderLength)]
    private struct HeaderBytes
    {
        private byte _element;
    }

    [InlineArray(4)]
    private struct MaskKey
    {
        private byte _element;
    }

    [InlineArray(4)]
    private struct Utf8Tail
    {
        private byte _element;
    }

    [InlineArray(MaxControlPayload)]
    private struct ControlBytes
    {
        private byte _element;
    }
}
