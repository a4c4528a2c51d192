using Proxy.Sessions;

namespace Proxy.Tests.Sessions;

public sealed class IdleModesTests
{
    [Theory]
    [InlineData("audio", "Audio")]
    [InlineData("messages", "Messages")]
    [InlineData("any", "Any")]
    [InlineData("  Audio\t", "Audio")]
    [InlineData("MESSAGES", "Messages")]
    public void Names_parse_ignoring_case_and_surrounding_space(string text, string expected)
    {
        Assert.True(IdleModes.TryParse(text, out var mode));
        Assert.Equal(expected, mode.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("message")]
    [InlineData("all")]
    [InlineData("0")]
    public void Other_text_does_not_parse_and_yields_the_default(string? text)
    {
        Assert.False(IdleModes.TryParse(text, out var mode));
        Assert.Equal(IdleMode.Messages, mode);
    }

    [Fact]
    public void Every_mode_has_a_name_that_parses_back()
    {
        foreach (var mode in Enum.GetValues<IdleMode>())
        {
            Assert.True(IdleModes.TryParse(IdleModes.Name(mode), out var parsed));
            Assert.Equal(mode, parsed);
        }

        Assert.Equal("audio", IdleModes.Name(IdleMode.Audio));
        Assert.Equal("messages", IdleModes.Name(IdleMode.Messages));
        Assert.Equal("any", IdleModes.Name(IdleMode.Any));
    }

    [Fact]
    public void The_listed_names_are_the_parsable_ones()
    {
        Assert.Equal("audio, messages or any", IdleModes.Names);
    }
}
