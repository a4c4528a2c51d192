using Proxy.Metering;

namespace Proxy.Tests.Metering;

public sealed class MeteringOptionsValidatorTests
{
    [Theory]
    [InlineData(1024)]
    [InlineData(256 * 1024)]
    [InlineData(16 * 1024 * 1024)]
    public void Sizes_from_1_KiB_to_16_MiB_are_accepted(int bytes)
    {
        Assert.True(Validate(new MeteringOptions { MaxInspectedSettingsBytes = bytes }).Succeeded);
    }

    [Fact]
    public void Default_is_accepted()
    {
        Assert.True(Validate(new MeteringOptions()).Succeeded);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1023)]
    [InlineData((16 * 1024 * 1024) + 1)]
    [InlineData(int.MaxValue)]
    public void Sizes_outside_the_range_are_refused_naming_the_key(int bytes)
    {
        var result = Validate(new MeteringOptions { MaxInspectedSettingsBytes = bytes });

        Assert.True(result.Failed);
        Assert.Contains("Metering:MaxInspectedSettingsBytes", result.FailureMessage, StringComparison.Ordinal);
    }

    private static Microsoft.Extensions.Options.ValidateOptionsResult Validate(MeteringOptions options) =>
        new MeteringOptionsValidator().Validate(null, options);
}
