using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Sdk;

/// <summary>Deepgram's official JS SDK against the emulator's management API and grant: the SDK's own calls and
/// types are what prove the emulator answers in Deepgram's shapes.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class DeepgramSdkManagementTests
{
    [Fact]
    public async Task The_official_sdk_creates_lists_gets_and_deletes_a_key_grants_a_token_and_lists_the_keys_requests()
    {
        // Its own emulator: the test deletes a key and reads the request log, which are process state.
        await using var emulator = await EmulatorServer.StartAsync();
        var (exitCode, result, output) = await NodeScript.RunAsync("sdk-management.mjs", new Dictionary<string, string?>
        {
            ["EMULATOR_HTTP_URL"] = emulator.BaseUrl.ToString(),
            ["EMULATOR_KEY"] = EmulatorServer.DefaultApiKey,
            ["PROJECT_ID"] = "emulator-project",
        }, TimeSpan.FromSeconds(60));

        Assert.True(exitCode == 0, output);
        var created = result.GetProperty("created");
        var keyId = created.GetProperty("api_key_id").GetString()!;
        Assert.Equal(40, created.GetProperty("key_length").GetInt32());
        Assert.Equal(["member"], created.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["sdk-e2e", "customer-1"], created.GetProperty("tags").EnumerateArray().Select(s => s.GetString()));
        Assert.True(result.GetProperty("listed").GetBoolean());
        Assert.Equal(keyId, result.GetProperty("got_key_id").GetString());
        Assert.Equal(120, result.GetProperty("token_expires_in").GetInt32());

        // The requests list (accessor = the new key) holds exactly its two sessions, newest first, attributed to it.
        var keySession = result.GetProperty("key_request_id").GetString()!;
        var tokenSession = result.GetProperty("token_request_id").GetString()!;
        var requests = result.GetProperty("requests");
        Assert.Equal((0, 10), (requests.GetProperty("page").GetInt32(), requests.GetProperty("limit").GetInt32()));
        Assert.Equal(
            [(tokenSession, keyId), (keySession, keyId)],
            requests.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("request_id").GetString()!, e.GetProperty("api_key_id").GetString()!)));
        Assert.Equal(("api_key", keyId), Attribution(await emulator.WaitForClosedConnectionAsync(keySession)));
        Assert.Equal(("access_token", keyId), Attribution(await emulator.WaitForClosedConnectionAsync(tokenSession)));

        Assert.Equal(403, result.GetProperty("member_manage_status").GetInt32());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("deleted_message").GetString()));
        Assert.False(result.GetProperty("listed_after_delete").GetBoolean());
        Assert.Equal(401, result.GetProperty("deleted_grant_status").GetInt32());
        Assert.Equal(401, result.GetProperty("deleted_agent_status").GetInt32());

        // Every call went to Deepgram's paths, as the SDK builds them.
        var served = await emulator.Api.GetFromJsonAsync<JsonElement>("/emulator/v1/management-requests");
        var calls = served.EnumerateArray().Select(e => $"{e.GetProperty("method").GetString()} {e.GetProperty("path").GetString()} {e.GetProperty("status").GetInt32()}").ToList();
        const string keys = "/v1/projects/emulator-project/keys";
        Assert.Equal(
            [
                $"POST {keys} 200", $"GET {keys} 200", $"GET {keys}/{keyId} 200", "POST /v1/auth/grant 200",
                "GET /v1/projects/emulator-project/requests 200", $"GET {keys} 403", $"DELETE {keys}/{keyId} 200", $"GET {keys} 200",
                "POST /v1/auth/grant 401",
            ],
            calls);
    }

    private static (string Credential, string ApiKeyId) Attribution(JsonElement connection) =>
        (connection.GetProperty("credential").GetString()!, connection.GetProperty("api_key_id").GetString()!);
}
