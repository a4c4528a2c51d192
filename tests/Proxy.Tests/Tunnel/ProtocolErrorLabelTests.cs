using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

public sealed class ProtocolErrorLabelTests
{
    [Theory]
    [InlineData(nameof(FrameProtocolError.FrameTooLarge), "frame_too_large")]
    [InlineData(nameof(FrameProtocolError.InvalidUtf8), "invalid_utf8")]
    [InlineData(nameof(FrameProtocolError.MaskMismatch), "mask_mismatch")]
    [InlineData(nameof(FrameProtocolError.TruncatedCloseCode), "truncated_close_code")]
    public void Errors_are_labelled_in_snake_case(string error, string label) =>
        Assert.Equal(label, ProtocolErrorLabel.Of(Enum.Parse<FrameProtocolError>(error)));

    [Fact]
    public void Every_error_has_its_own_label()
    {
        var errors = Enum.GetValues<FrameProtocolError>();

        Assert.Equal(errors.Length, errors.Select(ProtocolErrorLabel.Of).Distinct(StringComparer.Ordinal).Count());
    }
}
