using System.Net.Http.Json;
using System.Net.WebSockets;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Hosting;

/// <summary>No proxy key, Deepgram key or admin token ever appears in what the processes print.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class SecretLeakTests
{
    private readonly GatewayFixture _gateway;

    public SecretLeakTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Keys_presented_accepted_or_refused_never_appear_in_the_logs()
    {
        var proxy = _gateway.Proxy;
        var (revokedId, revoked) = await proxy.IssueKeyAsync("leak-check");
        (await proxy.Admin.DeleteAsync(new Uri($"/admin/v1/keys/{revokedId}", UriKind.Relative))).EnsureSuccessStatusCode();
        var (_, secret) = await proxy.IssueKeyAsync("leak-check");
        const string CustomerUpstreamKey = EmulatorServer.CustomerApiKey;
        (await proxy.Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/leak-check/upstream-key", UriKind.Relative), new { api_key = CustomerUpstreamKey })).EnsureSuccessStatusCode();
        const string Guess = "dgpk_guessed-key-that-does-not-exist-0000000000";

        foreach (var (url, key, subprotocol) in new[]
        {
            (proxy.AgentUrl(), secret, false),
            (proxy.AgentUrl(), secret, true),
            (new Uri(proxy.AgentUrl() + "?token=" + secret + "&client_session_id=leak"), secret, true),
            (new Uri(proxy.AgentUrl() + "?api_key=" + secret + "&access_token=" + secret + "&mip_opt_out=true"), secret, false),
        })
        {
            var client = subprotocol
                ? await AgentTestClient.ConnectWithSubprotocolAsync(url, key)
                : await AgentTestClient.ConnectWithHeaderAsync(url, key);
            await using var _ = client;
            var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
            await client.CloseAsync();
            var record = await proxy.WaitForClosedRecordByRequestIdAsync("leak-check", requestId);
            Assert.DoesNotContain(key, record.GetRawText(), StringComparison.Ordinal);

            // Credential-looking query parameters are the client's to us, never Deepgram's to see.
            var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
            Assert.DoesNotContain(key, upstream.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain("token=", upstream.GetProperty("query").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("api_key=", upstream.GetProperty("query").GetString(), StringComparison.Ordinal);
        }

        foreach (var refused in new[] { revoked, Guess })
        {
            using var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("token");
            socket.Options.AddSubProtocol(refused);
            await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(proxy.AgentUrl() + "?api_key=" + refused), CancellationToken.None));
        }

        // Console output is asynchronous: give the last lines a moment to arrive.
        await Task.Delay(300);
        var logs = string.Join('\n', proxy.Process.Output.Concat(_gateway.EmulatorOutput));
        Assert.Contains("leak-check", logs, StringComparison.Ordinal);
        foreach (var value in new[] { secret, revoked, Guess, CustomerUpstreamKey, EmulatorServer.DefaultApiKey, ProxyServer.AdminToken, ProxyServer.MasterKey })
        {
            Assert.DoesNotContain(value, logs, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_redis_password_never_appears_in_any_output_running_or_refused()
    {
        const string Password = "hunter2secret";

        // Running: Redis unreachable at the configured address, so every path that reports Redis trouble runs.
        var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string> { ["Redis:Configuration"] = $"127.0.0.1:1,password={Password}" });
        await using (proxy)
        {
            var answers = new List<string>();
            foreach (var baseUrl in new[] { proxy.AdminUrl, proxy.ProxyUrl })
            {
                using var http = new HttpClient { BaseAddress = baseUrl };
                foreach (var path in new[] { "/readyz", "/healthz" })
                {
                    using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
                    answers.Add(await response.Content.ReadAsStringAsync());
                }
            }

            foreach (var path in new[] { "/admin/v1/instance", "/admin/v1/sessions?customer=leak-redis", "/admin/v1/customers/leak-redis/settings", "/admin/v1/sessions/live" })
            {
                using var response = await proxy.Admin.GetAsync(new Uri(path, UriKind.Relative));
                answers.Add(await response.Content.ReadAsStringAsync());
            }

            using (var response = await proxy.Admin.PutAsJsonAsync(new Uri("/admin/v1/customers/leak-redis", UriKind.Relative), new { }))
            {
                Assert.False(response.IsSuccessStatusCode);
                answers.Add(await response.Content.ReadAsStringAsync());
            }

            using (var socket = new ClientWebSocket())
            {
                socket.Options.SetRequestHeader("Authorization", "Token dgpk_unknown-key-while-redis-is-down-000000000000");
                await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(proxy.AgentUrl(), CancellationToken.None));
            }

            answers.Add((await proxy.ScrapeAsync()).Text);
            await Task.Delay(300);
            var output = string.Join('\n', proxy.Process.Output.Concat(answers));
            Assert.Contains("redis unreachable", output, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        }

        // Refused at start: the report names Redis:Configuration and what is wrong with it, never its text.
        foreach (var configuration in new[]
        {
            $"password={Password}",
            $"127.0.0.1:1,password={Password},bogus=1",
            $"127.0.0.1:1,password={Password},connectTimeout=soon",
            $"127.0.0.1:notaport,password={Password}",
        })
        {
            var process = ChildProcess.Start("proxy-bad-redis", "dotnet",
            [
                RepositoryPaths.ProxyDll, "--Endpoints:Proxy", "http://127.0.0.1:0", "--Endpoints:Admin", "http://127.0.0.1:0",
                "--Admin:Tokens:0", ProxyServer.AdminToken, "--Secrets:MasterKey", ProxyServer.MasterKey,
                "--Redis:Configuration", configuration,
            ], new Dictionary<string, string?> { ["DOTNET_ENVIRONMENT"] = "Production" });
            await using var _ = process;
            var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(200);
            var output = string.Join('\n', process.Output);
            Assert.True(exitCode == 2, $"exit code {exitCode} for {configuration}:\n{output}");
            Assert.Contains("Redis:Configuration", output, StringComparison.Ordinal);
            Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        }
    }
}
