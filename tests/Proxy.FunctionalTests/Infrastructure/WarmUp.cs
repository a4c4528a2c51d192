using System.Net.WebSockets;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>
/// Runs one session down each way a session can end before any test measures anything. A freshly started .NET
/// process compiles each code path the first time it runs it, which delays that first close or abort by 5–40 ms on
/// this 2-core machine (measured), on the proxy and, more, on the emulator whose clock is the reference. A gateway
/// in service is warm; the tests measure it that way. These sessions belong to a customer no test looks at.
/// </summary>
internal static class WarmUp
{
    public static async Task RunAsync(ProxyServer proxy)
    {
        var (_, secret) = await proxy.IssueKeyAsync("warm-up");
        await proxy.PatchSettingsAsync("warm-up", new { idle_timeout_ms = 0 });
        for (var round = 0; round < 2; round++)
        {
            await RunSessionAsync(proxy, secret, async client => await client.CloseAsync());
            await RunSessionAsync(proxy, secret, async client =>
            {
                await client.SendTextAsync("""{"type":"EmulatorClose","code":4000}""");
                await client.ReceiveCloseAsync();
                await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            });
            await RunSessionAsync(proxy, secret, client =>
            {
                client.Socket.Abort();
                return Task.CompletedTask;
            });
            await RunSessionAsync(proxy, secret, async client =>
            {
                await client.SendTextAsync("""{"type":"EmulatorAbort"}""");
                await client.ReceiveCloseAsync();
            });
        }
    }

    private static async Task RunSessionAsync(ProxyServer proxy, string secret, Func<AgentTestClient, Task> end)
    {
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        await client.ReceiveJsonAsync("Welcome");
        await client.SendTextAsync(AgentTestClient.SettingsJson());
        await client.ReceiveJsonAsync("SettingsApplied");
        await client.SendBinaryAsync(640);
        await client.ReceiveBinaryAsync(1);
        await end(client);
    }
}
