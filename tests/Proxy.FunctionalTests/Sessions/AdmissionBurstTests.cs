using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Sessions;

/// <summary>
/// A burst of simultaneous handshakes against a limit admits exactly the limit: the instance cap and the per-instance
/// count of the fail_open policy are checked and taken in one step, with no await in between.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed partial class AdmissionBurstTests
{
    private const int Burst = 50;
    private const int Limit = 10;

    private readonly GatewayFixture _gateway;

    public AdmissionBurstTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Fifty_simultaneous_handshakes_against_an_instance_cap_of_ten_admit_exactly_ten()
    {
        var settings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl)
        {
            ["Sessions:MaxConcurrentSessionsPerInstance"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using var proxy = await _gateway.StartProxyAsync(settings: settings);
        var (_, secret) = await proxy.IssueKeyAsync("burst-instance");
        await proxy.PatchSettingsAsync("burst-instance", new { idle_timeout_ms = 0 });

        var answers = await HandshakeBurstAsync(proxy, secret);
        try
        {
            AssertExactly(answers, "instance_full");
        }
        finally
        {
            Dispose(answers);
        }

        var records = await proxy.WaitForClosedRecordsAsync("burst-instance", Limit, TimeSpan.FromSeconds(30));
        Assert.Equal(Limit, records.Length);
        MeasurementLedger.FaultOutcome(nameof(Fifty_simultaneous_handshakes_against_an_instance_cap_of_ten_admit_exactly_ten), Limit, records);
    }

    [Fact]
    public async Task Fifty_simultaneous_handshakes_against_a_customer_limit_of_ten_with_redis_down_admit_exactly_ten()
    {
        await using var redis = await RedisServer.StartAsync(durable: true);
        await using var proxy = await ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, GatewayFixture.ShortSessionControl);
        var (_, secret) = await proxy.IssueKeyAsync("burst-fail-open");
        await proxy.PatchSettingsAsync("burst-fail-open", new { idle_timeout_ms = 0, max_concurrent_sessions = Limit });

        // One session while Redis is up: the key and the customer's settings are now known to this instance.
        var (first, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await first.CloseAsync();
        await first.DisposeAsync();
        await proxy.WaitForClosedRecordByRequestIdAsync("burst-fail-open", requestId);

        await redis.KillAsync();
        await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_redis_up") == 0, TimeSpan.FromSeconds(15));
        var answers = await HandshakeBurstAsync(proxy, secret);
        try
        {
            AssertExactly(answers, "concurrency_limit");
        }
        finally
        {
            Dispose(answers);
        }

        // Every admitted session reaches Redis once it is back: one record each, none lost, none doubled.
        await redis.RestartAsync();
        await proxy.WaitForEmptySpoolAsync(TimeSpan.FromSeconds(30));
        var records = await proxy.WaitForClosedRecordsAsync("burst-fail-open", Limit + 1, TimeSpan.FromSeconds(30));
        Assert.Equal(Limit + 1, records.Length);
        Assert.Equal(Limit + 1, records.Select(r => r.GetProperty("session_id").GetString()).Distinct().Count());
        MeasurementLedger.FaultOutcome(nameof(Fifty_simultaneous_handshakes_against_a_customer_limit_of_ten_with_redis_down_admit_exactly_ten), Limit + 1, records);
    }

    /// <summary>Opens <see cref="Burst"/> connections, then sends every handshake at once; keeps the admitted ones
    /// open until all have been answered.</summary>
    private static async Task<(TcpClient Connection, string Response)[]> HandshakeBurstAsync(ProxyServer proxy, string secret)
    {
        var connections = new TcpClient[Burst];
        for (var i = 0; i < Burst; i++)
        {
            connections[i] = new TcpClient();
            await connections[i].ConnectAsync(proxy.ProxyUrl.Host, proxy.ProxyUrl.Port);
        }

        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handshakes = connections.Select(c => Task.Run(async () => (c, await HandshakeAsync(c, proxy, secret, go.Task)))).ToArray();
        go.SetResult();
        return await Task.WhenAll(handshakes);
    }

    private static async Task<string> HandshakeAsync(TcpClient connection, ProxyServer proxy, string secret, Task go)
    {
        var request = Encoding.ASCII.GetBytes(
            $"GET /v1/agent/converse HTTP/1.1\r\nHost: {proxy.ProxyUrl.Authority}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            $"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token {secret}\r\n\r\n");
        await go;
        var stream = connection.GetStream();
        await stream.WriteAsync(request);
        var buffer = new byte[8192];
        var text = new StringBuilder();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                return text.ToString();
            }

            // Latin-1: a WebSocket frame after the 101 must not break the decoding of the head.
            text.Append(Encoding.Latin1.GetString(buffer, 0, read));
            var all = text.ToString();
            var headEnd = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd < 0)
            {
                continue;
            }

            if (all.StartsWith("HTTP/1.1 101", StringComparison.Ordinal))
            {
                return all[..headEnd];
            }

            var length = ContentLength().Match(all);
            if (!length.Success || all.Length - (headEnd + 4) >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            {
                return all;
            }
        }
    }

    private static void AssertExactly((TcpClient Connection, string Response)[] answers, string refusal)
    {
        var statuses = string.Join(", ", answers.GroupBy(a => a.Response.Split("\r\n")[0]).Select(g => $"{g.Count()} × {g.Key}"));
        Assert.True(answers.Count(a => a.Response.StartsWith("HTTP/1.1 101", StringComparison.Ordinal)) == Limit, $"admitted: {statuses}");
        Assert.True(answers.Count(a => a.Response.StartsWith("HTTP/1.1 429", StringComparison.Ordinal)
            && a.Response.Contains($"\"error\":\"{refusal}\"", StringComparison.Ordinal)) == Burst - Limit, $"refused: {statuses}");
    }

    private static void Dispose((TcpClient Connection, string Response)[] answers)
    {
        foreach (var (connection, _) in answers)
        {
            connection.Dispose();
        }
    }

    [GeneratedRegex(@"Content-Length:\s*(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex ContentLength();
}
