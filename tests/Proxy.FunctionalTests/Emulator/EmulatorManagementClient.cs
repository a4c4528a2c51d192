using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Emulator;

/// <summary>Raw HTTP calls to an emulator's Deepgram REST API (keys, requests, grant) and its management test hooks,
/// so the tests see exact statuses, headers and bodies.</summary>
internal static class EmulatorManagementClient
{
    public const string ProjectId = "emulator-project";

    public static string KeysPath => $"/v1/projects/{ProjectId}/keys";

    public static string RequestsPath => $"/v1/projects/{ProjectId}/requests";

    /// <summary>The api_key_id the emulator gives a configured key.</summary>
    public static string ConfiguredKeyId(string apiKey) => EmulatorServer.Fingerprint(apiKey)[..32];

    public static async Task<Answer> SendAsync(this EmulatorServer emulator, HttpMethod method, string path, string? authorization = null, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await emulator.Api.SendAsync(request).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var body = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return new Answer(response.StatusCode, body, text, response.Headers.RetryAfter);
    }

    public static Task<Answer> ManageAsync(this EmulatorServer emulator, HttpMethod method, string path, string? json = null, string? key = null) =>
        emulator.SendAsync(method, path, "Token " + (key ?? EmulatorServer.DefaultApiKey), json);

    /// <summary>Creates a key with the default management key; returns its id and secret.</summary>
    public static async Task<(string Id, string Secret)> CreateKeyAsync(this EmulatorServer emulator, string comment, string scopes = """["member"]""", string extra = "")
    {
        var created = await emulator.ManageAsync(HttpMethod.Post, KeysPath, $$"""{"comment":"{{comment}}","scopes":{{scopes}},"tags":["functional"]{{extra}}}""").ConfigureAwait(false);
        Assert.True(created.Status == HttpStatusCode.OK, created.Text);
        return (created.Body.GetProperty("api_key_id").GetString()!, created.Body.GetProperty("key").GetString()!);
    }

    public static async Task<string> GrantAsync(this EmulatorServer emulator, string key, string json = "")
    {
        var grant = await emulator.SendAsync(HttpMethod.Post, "/v1/auth/grant", "Token " + key, json).ConfigureAwait(false);
        Assert.True(grant.Status == HttpStatusCode.OK, grant.Text);
        return grant.Body.GetProperty("access_token").GetString()!;
    }

    /// <summary>The request ids the requests list answers to this query, in its order.</summary>
    public static async Task<List<string>> ListRequestIdsAsync(this EmulatorServer emulator, string query)
    {
        var page = await emulator.ManageAsync(HttpMethod.Get, RequestsPath + "?" + query).ConfigureAwait(false);
        Assert.True(page.Status == HttpStatusCode.OK, page.Text);
        return [.. page.Body.GetProperty("requests").EnumerateArray().Select(r => r.GetProperty("request_id").GetString()!)];
    }

    /// <summary>Opens an agent session (Welcome, Settings, SettingsApplied), closes it and returns its request id
    /// once the emulator has closed its record.</summary>
    public static async Task<string> RunSessionAsync(this EmulatorServer emulator, Action<ClientWebSocketOptions> authenticate)
    {
        var client = await AgentTestClient.ConnectAsync(new Uri(emulator.WebSocketUrl + "/v1/agent/converse"), authenticate).ConfigureAwait(false);
        await using (client.ConfigureAwait(false))
        {
            var requestId = (await client.ReceiveJsonAsync("Welcome").ConfigureAwait(false)).GetProperty("request_id").GetString()!;
            await client.SendTextAsync(AgentTestClient.SettingsJson()).ConfigureAwait(false);
            await client.ReceiveJsonAsync("SettingsApplied").ConfigureAwait(false);
            await client.CloseAsync().ConfigureAwait(false);
            await emulator.WaitForClosedConnectionAsync(requestId).ConfigureAwait(false);
            return requestId;
        }
    }

    /// <summary>The HTTP status of an agent upgrade (101 when it opened; the socket is then closed).</summary>
    public static async Task<int> UpgradeStatusAsync(this EmulatorServer emulator, Action<ClientWebSocketOptions> authenticate)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        authenticate(socket.Options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await socket.ConnectAsync(new Uri(emulator.WebSocketUrl + "/v1/agent/converse"), timeout.Token).ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            return (int)socket.HttpStatusCode;
        }

        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token).ConfigureAwait(false);
        return (int)socket.HttpStatusCode;
    }

    public static Action<ClientWebSocketOptions> TokenHeader(string key) => o => o.SetRequestHeader("Authorization", "Token " + key);

    public static Action<ClientWebSocketOptions> BearerHeader(string token) => o => o.SetRequestHeader("Authorization", "Bearer " + token);

    public static Action<ClientWebSocketOptions> BearerSubprotocol(string token) => o =>
    {
        o.AddSubProtocol("bearer");
        o.AddSubProtocol(token);
    };

    /// <summary>Polls the upgrade status until it is <paramref name="expected"/> or a bounded deadline passes.</summary>
    public static async Task<int> WaitForUpgradeStatusAsync(this EmulatorServer emulator, Action<ClientWebSocketOptions> authenticate, int expected, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var status = await emulator.UpgradeStatusAsync(authenticate).ConfigureAwait(false);
            if (status == expected || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    internal sealed record Answer(HttpStatusCode Status, JsonElement Body, string Text, RetryConditionHeaderValue? RetryAfter)
    {
        public string? ErrCode => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("err_code", out var code) ? code.GetString() : null;
    }
}
