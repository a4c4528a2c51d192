using System.Text.Json;
using Proxy.Sessions;

namespace Proxy.Tests.Sessions;

public sealed class AgentControlMessagesTests
{
    [Fact]
    public void Warning_is_type_code_description_in_that_order()
    {
        Assert.Equal(
            """{"type":"Warning","code":"SESSION_IDLE_WARNING","description":"closing in 10 s"}""",
            AgentControlMessages.Warning(AgentControlMessages.IdleWarning, "closing in 10 s"));
    }

    [Fact]
    public void Error_is_type_code_description_in_that_order()
    {
        Assert.Equal(
            """{"type":"Error","code":"SERVER_SHUTDOWN","description":"bye"}""",
            AgentControlMessages.Error(AgentControlMessages.ServerShutdown, "bye"));
    }

    [Fact]
    public void The_codes_are_the_ones_of_the_client_contract()
    {
        Assert.Equal("SESSION_IDLE_WARNING", AgentControlMessages.IdleWarning);
        Assert.Equal("SESSION_MAX_DURATION_WARNING", AgentControlMessages.MaxDurationWarning);
        Assert.Equal("SESSION_IDLE_TIMEOUT", AgentControlMessages.IdleTimeout);
        Assert.Equal("SESSION_MAX_DURATION", AgentControlMessages.MaxDuration);
        Assert.Equal("SESSION_CLOSED_BY_ADMIN", AgentControlMessages.ClosedByAdmin);
        Assert.Equal("SERVER_SHUTDOWN", AgentControlMessages.ServerShutdown);
    }

    [Theory]
    [InlineData("quote \" and backslash \\")]
    [InlineData("line\nbreak\ttab")]
    [InlineData("<script>&'")]
    [InlineData("Überzeit – 10 s")]
    [InlineData("")]
    public void Descriptions_are_escaped_into_valid_json_and_read_back_unchanged(string description)
    {
        var json = AgentControlMessages.Error(AgentControlMessages.ClosedByAdmin, description);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(["type", "code", "description"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Error", root.GetProperty("type").GetString());
        Assert.Equal("SESSION_CLOSED_BY_ADMIN", root.GetProperty("code").GetString());
        Assert.Equal(description, root.GetProperty("description").GetString());
    }
}
