using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Telemetry;

/// <summary>The JSON console option: one JSON object per line, the session lines with the record's fields as
/// properties a log pipeline can index, and no key in any of them.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class JsonLogTests
{
    private readonly GatewayFixture _gateway;

    public JsonLogTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Session_lines_are_json_objects_with_the_record_fields()
    {
        await using var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string> { ["Logging:Console:FormatterName"] = "json" });
        var (keyId, secret) = await proxy.IssueKeyAsync("json-logs");
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        string requestId;
        await using (client)
        {
            requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
            await client.SendTextAsync(AgentTestClient.SettingsJson());
            await client.ReceiveJsonAsync("SettingsApplied");
            await client.CloseAsync();
        }

        var record = await proxy.WaitForClosedRecordByRequestIdAsync("json-logs", requestId);
        await proxy.Process.WaitForLineAsync("\"EventId\":1001", TimeSpan.FromSeconds(10));

        var lines = proxy.Process.Output.Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.NotEmpty(lines);
        Assert.All(proxy.Process.Output, line => Assert.DoesNotContain(secret, line, StringComparison.Ordinal));
        var ended = lines.Single(l => l.GetProperty("EventId").GetInt32() == 1001);
        var state = ended.GetProperty("State");
        Assert.Equal("Information", ended.GetProperty("LogLevel").GetString());
        Assert.Equal(record.GetProperty("session_id").GetString(), state.GetProperty("SessionId").GetString());
        Assert.Equal(keyId, state.GetProperty("KeyId").GetString());
        Assert.Equal("client_closed", state.GetProperty("CloseReason").GetString());
        Assert.Equal(record.GetProperty("duration_ms").GetInt64(), state.GetProperty("DurationMs").GetInt64());
        Assert.Equal(requestId, state.GetProperty("DeepgramRequestId").GetString());
        Assert.Contains(lines, l => l.GetProperty("EventId").GetInt32() == 1000);
    }
}
