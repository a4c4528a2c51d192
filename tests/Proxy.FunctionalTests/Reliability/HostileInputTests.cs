using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Reliability;

/// <summary>
/// Broken and hostile clients, through a proxy with small limits (64 KiB frames and messages): each gets the close
/// code RFC 6455 gives its fault, the upstream never sees the offending frame, the record says what happened.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class HostileInputTests
{
    private const int AuthFailuresPerMinute = 5;

    private static readonly Dictionary<string, string> SmallLimits = new()
    {
        ["Limits:MaxFrameBytes"] = "65536",
        ["Limits:MaxMessageBytes"] = "65536",
        ["Limits:RequestHeadersTimeout"] = "00:00:02",
        ["Limits:AuthFailuresPerMinute"] = AuthFailuresPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private readonly GatewayFixture _gateway;

    public HostileInputTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    public static TheoryData<string, byte[], int> Violations() => new()
    {
        { "frame over the limit", Header(0x82, 70_000), 1009 },
        { "unmasked client frame", [0x82, 0x03, 1, 2, 3], 1002 },
        { "reserved opcode", Masked(0x83, [1, 2, 3]), 1002 },
        { "reserved bit", Masked(0xC2, [1, 2, 3]), 1002 },
        { "continuation without a message", Masked(0x80, [1, 2, 3]), 1002 },
        { "fragmented ping", Masked(0x09, [1]), 1002 },
        { "invalid UTF-8 text", Masked(0x81, [0x7B, 0xC3, 0x28, 0x7D]), 1007 },
        { "message over the limit in fragments", [.. Masked(0x01, new byte[40_000]), .. Masked(0x80, new byte[40_000])], 1009 },

        // Close frames RFC 6455 §5.5.1/§7.4 forbid on the wire: the record must show the proxy's 1002, never their code.
        { "Close with a 1-byte payload", Masked(0x88, [0x03]), 1002 },
        { "Close 999", Masked(0x88, [0x03, 0xE7]), 1002 },
        { "Close 1004", Masked(0x88, [0x03, 0xEC]), 1002 },
        { "Close 1005", Masked(0x88, [0x03, 0xED]), 1002 },
        { "Close 1006", Masked(0x88, [0x03, 0xEE, 0x78]), 1002 },
        { "Close 1015", Masked(0x88, [0x03, 0xF7]), 1002 },
        { "Close 1016", Masked(0x88, [0x03, 0xF8]), 1002 },
        { "Close 2999", Masked(0x88, [0x0B, 0xB7]), 1002 },
        { "Close 5000", Masked(0x88, [0x13, 0x88]), 1002 },
        { "Close reason not UTF-8", Masked(0x88, [0x03, 0xE8, 0x6F, 0xC3, 0x28]), 1002 },
    };

    /// <summary>Close payloads the upstream may not send, as hex for the emulator's EmulatorRawClose hook.</summary>
    public static TheoryData<string, string> BadUpstreamCloses() => new()
    {
        { "1-byte payload", "03" },
        { "1005", "03ED" },
        { "1006", "03EE" },
        { "1015", "03F7" },
        { "2999", "0BB7" },
        { "reason not UTF-8", "03E86FC328" },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task A_protocol_violation_gets_its_close_code_and_never_reaches_the_upstream(string violation, byte[] frames, int expectedCode)
    {
        var proxy = await LimitedProxyAsync();
        var customer = CustomerFor("hostile-", violation);
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        var before = await proxy.ScrapeAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(proxy.ProxyUrl, secret);
        var requestId = await StartAgentAsync(client);
        await client.SendRawAsync(frames);

        Assert.Equal(expectedCode, await client.ReadUntilCloseAsync(TimeSpan.FromSeconds(10)));

        var record = await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId);
        Assert.Equal("client_error", record.GetProperty("close_reason").GetString());
        Assert.Equal(expectedCode, record.GetProperty("close_code").GetInt32());
        Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());
        var after = await proxy.ScrapeAsync();
        Assert.Equal(1, after.Sum("dgproxy_protocol_violations_total", "side=client") - before.Sum("dgproxy_protocol_violations_total", "side=client"));
        Assert.Equal(1, after.Sum("dgproxy_forced_closes_total", "reason=protocol_violation") - before.Sum("dgproxy_forced_closes_total", "reason=protocol_violation"));

        // Deepgram got the Settings, then the proxy's Close 1000: nothing of the bad frame.
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        Assert.Equal(0, upstream.GetProperty("binary_bytes_received").GetInt64());
        Assert.Equal(1000, upstream.GetProperty("close_status").GetInt32());
        Assert.Equal(1000, upstream.GetProperty("client_close_status").GetInt32());
        Assert.Equal(1, upstream.GetProperty("messages_received").GetInt32());
    }

    [Fact]
    public async Task A_bad_close_split_across_writes_never_reaches_the_upstream_in_part()
    {
        var proxy = await LimitedProxyAsync();
        var (_, secret) = await proxy.IssueKeyAsync("hostile-split-close");
        await using var client = await RawWebSocketClient.ConnectAsync(proxy.ProxyUrl, secret);
        var requestId = await StartAgentAsync(client);

        // Header, mask and the code's first byte; then, a moment later, the rest: 1005, which may not be sent.
        var badClose = Masked(0x88, [0x03, 0xED, (byte)'b', (byte)'y', (byte)'e']);
        await client.SendRawAsync(badClose[..7]);
        await Task.Delay(100);
        await client.SendRawAsync(badClose[7..]);

        Assert.Equal(1002, await client.ReadUntilCloseAsync(TimeSpan.FromSeconds(10)));
        var record = await proxy.WaitForClosedRecordByRequestIdAsync("hostile-split-close", requestId);
        Assert.Equal("client_error", record.GetProperty("close_reason").GetString());
        Assert.Equal(1002, record.GetProperty("close_code").GetInt32());
        Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());

        // The Close the emulator read is the proxy's 1000: not a byte of the client's bad one went before it.
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        Assert.Equal(1000, upstream.GetProperty("client_close_status").GetInt32());
        Assert.Equal("client_close", upstream.GetProperty("end_reason").GetString());
    }

    [Theory]
    [MemberData(nameof(BadUpstreamCloses))]
    public async Task A_close_the_upstream_may_not_send_gets_it_1002_and_the_client_1014(string violation, string payloadHex)
    {
        var proxy = await LimitedProxyAsync();
        var customer = CustomerFor("hostile-upstream-close-", violation);
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        var before = await proxy.ScrapeAsync();
        await using var client = await RawWebSocketClient.ConnectAsync(proxy.ProxyUrl, secret);
        var requestId = await StartAgentAsync(client);
        await client.SendTextAsync("{\"type\":\"EmulatorRawClose\",\"payload\":\"" + payloadHex + "\"}");

        Assert.Equal(1014, await client.ReadUntilCloseAsync(TimeSpan.FromSeconds(10)));

        var record = await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId);
        Assert.Equal("upstream_error", record.GetProperty("close_reason").GetString());
        Assert.Equal(1014, record.GetProperty("close_code").GetInt32());
        Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());
        var after = await proxy.ScrapeAsync();
        Assert.Equal(1, after.Sum("dgproxy_protocol_violations_total", "side=upstream") - before.Sum("dgproxy_protocol_violations_total", "side=upstream"));

        // The emulator sent its bad Close (end_reason emulator_close) and got the proxy's 1002 back.
        var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
        Assert.Equal("emulator_close", upstream.GetProperty("end_reason").GetString());
        Assert.Equal(1002, upstream.GetProperty("client_close_status").GetInt32());
    }

    [Fact]
    public async Task Unreadable_or_oversized_settings_are_forwarded_and_recorded_without_models()
    {
        var proxy = await LimitedProxyAsync();
        var (_, secret) = await proxy.IssueKeyAsync("hostile-settings");
        foreach (var settings in new[] { """{"type":"Settings","agent":{"listen":""", """{"type":"Settings","tags":["x"],"agent":{"think":{"prompt":""" + "\"" + new string('p', 300_000) + "\"}}}" })
        {
            var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
            await using var _ = client;
            var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
            if (settings.Length > 65536)
            {
                // Over the message limit of this proxy: refused like any other oversized message.
                await client.SendTextAsync(settings);
                var seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
                Assert.True(seen.Closed);
                Assert.Equal(1009, (int)client.CloseStatus!);
                continue;
            }

            await client.SendTextAsync(settings);
            var error = await client.ReceiveJsonAsync("Error");
            Assert.Equal("INVALID_MESSAGE", error.GetProperty("code").GetString());
            await client.CloseAsync();
            var record = await proxy.WaitForClosedRecordByRequestIdAsync("hostile-settings", requestId);
            Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
            Assert.Equal(JsonValueKind.Null, record.GetProperty("listen_model").ValueKind);
        }
    }

    [Fact]
    public async Task A_slow_loris_upgrade_is_cut_after_the_header_timeout()
    {
        var proxy = await LimitedProxyAsync();
        var before = await proxy.ScrapeAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(proxy.ProxyUrl.Host, proxy.ProxyUrl.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("GET /v1/agent/converse HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"));

        // Nothing more: the proxy gives up on the request (2 s here) and closes the connection.
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var text = new StringBuilder();
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var waited = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        Assert.InRange(waited, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
        Assert.True(text.Length == 0 || text.ToString().StartsWith("HTTP/1.1 408", StringComparison.Ordinal), text.ToString());
        var after = await proxy.ScrapeUntilAsync(s => Cut(s, "request_headers_timeout") > Cut(before, "request_headers_timeout"));
        Assert.Equal(1, Cut(after, "request_headers_timeout") - Cut(before, "request_headers_timeout"));
    }

    [Fact]
    public async Task Guessing_keys_from_one_address_is_refused_with_429_after_the_limit()
    {
        var proxy = await _gateway.StartProxyAsync(settings: SmallLimits);
        await using var _ = proxy;
        var before = await proxy.ScrapeAsync();
        var (_, secret) = await proxy.IssueKeyAsync("hostile-brute-force");

        var blocked = await GuessUntilBlockedAsync(proxy, "dgpk_guess-again");
        Assert.Matches(@"(?im)^Retry-After: \d+\r$", blocked);

        // Blocked means blocked: even a valid key from this address waits out the minute.
        Assert.StartsWith("HTTP/1.1 429", await UpgradeAsync(proxy, secret), StringComparison.Ordinal);
        var after = await proxy.ScrapeAsync();
        Assert.Equal(AuthFailuresPerMinute, after.Sum("dgproxy_auth_failures_total", "reason=invalid_key") - before.Sum("dgproxy_auth_failures_total", "reason=invalid_key"));
        Assert.Equal(2, after.Sum("dgproxy_admission_rejected_total", "reason=rate_limited") - before.Sum("dgproxy_admission_rejected_total", "reason=rate_limited"));
    }

    [Fact]
    public async Task Guessing_keys_through_a_trusted_load_balancer_blocks_the_guessing_client_only()
    {
        // The proxy's clients all connect from the balancer (loopback here), which names each client in
        // X-Forwarded-For.
        var proxy = await _gateway.StartProxyAsync(settings: new Dictionary<string, string>(SmallLimits)
        {
            ["ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
        });
        await using var _ = proxy;
        var (_, secret) = await proxy.IssueKeyAsync("hostile-behind-balancer");

        // The balancer appends the address it saw; whatever the client wrote in front of it is not believed, so
        // changing it does not buy more guesses.
        await GuessUntilBlockedAsync(proxy, secret, guess => $"198.51.100.{20 + guess}, 203.0.113.7", "198.51.100.9, 203.0.113.7");

        // Another client through the same balancer, with a valid key, gets its session and its record.
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret,
            options => options.SetRequestHeader("X-Forwarded-For", "198.51.100.9"));
        await using (client)
        {
            var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
            await client.CloseAsync();
            var record = await proxy.WaitForClosedRecordByRequestIdAsync("hostile-behind-balancer", requestId);
            Assert.Equal("client_closed", record.GetProperty("close_reason").GetString());
        }

        // Refusals are logged with the client's address, not the balancer's.
        await proxy.Process.WaitForLineAsync(@"Rejected session from 203\.0\.113\.7: HTTP 429 too_many_auth_failures", TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(proxy.Process.Output, line => line.Contains("Rejected session from 127.0.0.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forwarded_address_from_an_untrusted_peer_is_ignored()
    {
        // No trusted proxy configured: X-Forwarded-For is the client's own claim, and changing it must not buy
        // guesses or unblock the address that connects.
        var proxy = await _gateway.StartProxyAsync(settings: SmallLimits);
        await using var _ = proxy;
        var (_, secret) = await proxy.IssueKeyAsync("hostile-spoofed-forwarded-for");
        await GuessUntilBlockedAsync(proxy, secret, guess => $"203.0.113.{10 + guess}", "198.51.100.9");
        await proxy.Process.WaitForLineAsync(@"Rejected session from 127\.0\.0\.1: HTTP 429 too_many_auth_failures", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Garbage_instead_of_an_http_request_gets_400_and_the_proxy_carries_on()
    {
        var proxy = await LimitedProxyAsync();
        var before = await proxy.ScrapeAsync();
        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(proxy.ProxyUrl.Host, proxy.ProxyUrl.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Garbage().Select(b => b == (byte)'\n' ? (byte)'x' : b).Concat("\r\n\r\n"u8.ToArray()).ToArray());
            var buffer = new byte[1024];
            var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.StartsWith("HTTP/1.1 400", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        }

        var (_, secret) = await proxy.IssueKeyAsync("hostile-after-garbage");
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var __ = client;
        await client.ReceiveJsonAsync("Welcome");
        await client.CloseAsync();
        // Which rule random bytes break first varies (request line, header, version...): every one is invalid_*.
        var after = await proxy.ScrapeUntilAsync(s => Malformed(s) > Malformed(before));
        Assert.True(Malformed(after) - Malformed(before) == 1,
            "error types: " + string.Join(", ", after.LabelValues("kestrel_connection_duration_seconds_count", "error_type")));
    }

    // The same bytes every run, so Kestrel always stops at the same rule (and the same error_type).
    private static byte[] Garbage()
    {
        var bytes = new byte[512];
        new Random(20261126).NextBytes(bytes);
        return bytes;
    }

    private static double Malformed(PrometheusSnapshot snapshot) =>
        snapshot.LabelValues("kestrel_connection_duration_seconds_count", "error_type")
            .Where(type => type.StartsWith("invalid_", StringComparison.Ordinal))
            .Sum(type => Cut(snapshot, type));

    /// <summary>Connections Kestrel ended for a reason (its <c>error.type</c>), from its own metrics.</summary>
    private static double Cut(PrometheusSnapshot snapshot, string errorType) =>
        snapshot.Sum("kestrel_connection_duration_seconds_count", "error_type=" + errorType);

    private Task<ProxyServer> LimitedProxyAsync() => _gateway.LimitedProxyAsync(SmallLimits);

    /// <summary>A customer of its own per theory case, named after the case.</summary>
    private static string CustomerFor(string prefix, string testCase) =>
        prefix + string.Concat(testCase.Where(char.IsLetterOrDigit)).ToLowerInvariant();

    /// <summary>Reads the Welcome and sends Settings, so the session is live through to the upstream; returns the
    /// session's request id.</summary>
    private static async Task<string> StartAgentAsync(RawWebSocketClient client)
    {
        var welcome = JsonDocument.Parse((await client.ReadFrameAsync(TimeSpan.FromSeconds(10))).Payload).RootElement;
        var requestId = welcome.GetProperty("request_id").GetString()!;
        await client.SendTextAsync(AgentTestClient.SettingsJson());
        return requestId;
    }

    /// <summary>
    /// Spends the connecting client's budget of failed authentications with wrong keys, each answered 401 (the
    /// <paramref name="guessForwardedFor"/> of guess n, if any, in its X-Forwarded-For), then tries
    /// <paramref name="nextKey"/>: refused 429 too_many_auth_failures whatever it is. Returns that refusal.
    /// </summary>
    private static async Task<string> GuessUntilBlockedAsync(
        ProxyServer proxy, string nextKey, Func<int, string>? guessForwardedFor = null, string? nextForwardedFor = null)
    {
        for (var guess = 0; guess < AuthFailuresPerMinute; guess++)
        {
            var refused = await UpgradeAsync(proxy, "dgpk_guess" + guess, guessForwardedFor?.Invoke(guess));
            Assert.StartsWith("HTTP/1.1 401", refused, StringComparison.Ordinal);
        }

        var blocked = await UpgradeAsync(proxy, nextKey, nextForwardedFor);
        Assert.StartsWith("HTTP/1.1 429", blocked, StringComparison.Ordinal);
        Assert.Contains("\"error\":\"too_many_auth_failures\"", blocked, StringComparison.Ordinal);
        return blocked;
    }

    private static Task<string> UpgradeAsync(ProxyServer proxy, string key, string? forwardedFor = null) =>
        AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + key + "\r\n" +
            (forwardedFor is null ? string.Empty : "X-Forwarded-For: " + forwardedFor + "\r\n"),
            proxy.ProxyUrl);

    private static byte[] Header(byte first, long length)
    {
        var header = new List<byte> { first };
        if (length < 126)
        {
            header.Add((byte)(0x80 | length));
        }
        else if (length <= ushort.MaxValue)
        {
            header.AddRange([0x80 | 126, (byte)(length >> 8), (byte)length]);
        }
        else
        {
            header.Add(0x80 | 127);
            header.AddRange(BitConverter.GetBytes((ulong)length).Reverse());
        }

        header.AddRange(RandomNumberGenerator.GetBytes(4));
        return [.. header];
    }

    private static byte[] Masked(byte first, byte[] payload)
    {
        var header = Header(first, payload.Length);
        var mask = header[^4..];
        var frame = new byte[header.Length + payload.Length];
        header.CopyTo(frame, 0);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[header.Length + i] = (byte)(payload[i] ^ mask[i & 3]);
        }

        return frame;
    }
}
