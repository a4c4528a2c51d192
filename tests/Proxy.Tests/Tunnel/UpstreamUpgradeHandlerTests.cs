using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

/// <summary>The upstream handshake against a raw TCP peer on loopback that answers with exact bytes.</summary>
public sealed class UpstreamUpgradeHandlerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly HttpMessageInvoker _invoker = new(new UpstreamUpgradeHandler(TimeProvider.System));

    public UpstreamUpgradeHandlerTests()
    {
        _listener.Start();

        // The kernel turns receive stamping on through deferred work the first time a process asks (the proxy asks
        // at start): the open-stamp checks below must not race it.
        if (KernelStampedSocketStream.KeepStampingOn())
        {
            Thread.Sleep(50);
        }
    }

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose()
    {
        _invoker.Dispose();
        _listener.Dispose();
    }

    [Fact]
    public async Task A_101_gives_the_connection_with_the_bytes_that_came_behind_the_head_first()
    {
        var peer = AnswerAsync("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: abc=\r\n\r\n\x81\x07Welcome");

        using var upgrade = UpgradeRequest("/v1/agent/converse?model=x");
        var sent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var response = await _invoker.SendAsync(upgrade, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.SwitchingProtocols, response.StatusCode);
        Assert.Equal("abc=", response.Headers.GetValues("Sec-WebSocket-Accept").Single());
        AssertOpenStampedByKernel(upgrade, sent);
        var (request, socket) = await peer.WaitAsync(Timeout);
        using var _ = socket;
        Assert.Equal(
            $"GET /v1/agent/converse?model=x HTTP/1.1\r\nHost: 127.0.0.1:{Port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token upstream-key\r\n\r\n",
            request);

        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty).AsTask().WaitAsync(Timeout));
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout);
        Assert.Equal("\x81\x07Welcome", Encoding.Latin1.GetString(buffer, 0, read));

        // Both ways on the same connection afterwards, and the peer's end is the stream's end.
        await stream.WriteAsync(Encoding.ASCII.GetBytes("ping"));
        var received = new byte[4];
        await socket.ReceiveAsync(received.AsMemory()).AsTask().WaitAsync(Timeout);
        Assert.Equal("ping", Encoding.ASCII.GetString(received));
        await socket.SendAsync(Encoding.ASCII.GetBytes("pong"));
        read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout);
        Assert.Equal("pong", Encoding.ASCII.GetString(buffer, 0, read));
        socket.Shutdown(SocketShutdown.Send);
        Assert.Equal(0, await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_head_split_over_many_reads_is_put_together()
    {
        var peer = AnswerAsync("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", chunk: 3);

        using var response = await _invoker.SendAsync(UpgradeRequest("/agent"), CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.SwitchingProtocols, response.StatusCode);
        (await peer).Socket.Dispose();
    }

    [Fact]
    public async Task A_refusal_keeps_its_status_and_closes_the_connection()
    {
        var peer = AnswerAsync("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");

        using var response = await _invoker.SendAsync(UpgradeRequest("/agent"), CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var (_, socket) = await peer.WaitAsync(Timeout);
        using var _ = socket;
        Assert.Equal(0, await socket.ReceiveAsync(new byte[16].AsMemory()).AsTask().WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_peer_that_hangs_up_without_answering_is_a_request_failure()
    {
        var peer = AnswerAsync(string.Empty);

        await Assert.ThrowsAsync<HttpRequestException>(() => _invoker.SendAsync(UpgradeRequest("/agent"), CancellationToken.None).WaitAsync(Timeout));
        (await peer).Socket.Dispose();
    }

    [Fact]
    public async Task A_refused_connection_names_the_socket_error()
    {
        var port = Port;
        _listener.Stop();

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => _invoker.SendAsync(UpgradeRequest("/agent", port), CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(failure.InnerException).SocketErrorCode);
    }

    [Fact]
    public async Task A_header_value_that_would_split_the_request_is_never_sent()
    {
        var request = UpgradeRequest("/agent");
        request.Headers.TryAddWithoutValidation("X-Client-Session-Id", "a\r\nInjected: yes");

        await Assert.ThrowsAsync<HttpRequestException>(() => _invoker.SendAsync(request, CancellationToken.None).WaitAsync(Timeout));
        Assert.False(_listener.Pending());
    }

    [Fact]
    public async Task Over_TLS_the_handshake_and_the_bytes_behind_it_come_through_the_encrypted_stream()
    {
        using var certificate = SelfSignedLocalhost();
        var peer = AnswerOverTlsAsync(certificate, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi");
        using var invoker = new HttpMessageInvoker(new UpstreamUpgradeHandler(
            TimeProvider.System,
            (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString()));

        using var upgrade = UpgradeRequest("/v1/agent/converse", scheme: "https");
        var sent = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var response = await invoker.SendAsync(upgrade, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(HttpStatusCode.SwitchingProtocols, response.StatusCode);

        // The segment carrying the 101, not the TLS handshake's: stamped after the request went out.
        AssertOpenStampedByKernel(upgrade, sent);
        var (request, tls) = await peer.WaitAsync(Timeout);
        await using var _ = tls;
        Assert.StartsWith("GET /v1/agent/converse HTTP/1.1\r\nHost: 127.0.0.1:", request, StringComparison.Ordinal);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[16];
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(Timeout);
        Assert.Equal("\x81\x02hi", Encoding.Latin1.GetString(buffer, 0, read));
    }

    [Fact]
    public async Task An_upstream_certificate_the_system_does_not_trust_fails_the_TLS_handshake()
    {
        using var certificate = SelfSignedLocalhost();
        var peer = AnswerOverTlsAsync(certificate, string.Empty);

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => _invoker.SendAsync(UpgradeRequest("/agent", scheme: "https"), CancellationToken.None).WaitAsync(Timeout));

        Assert.Equal(HttpRequestError.SecureConnectionError, failure.HttpRequestError);
        Assert.IsType<AuthenticationException>(failure.InnerException);

        // Under TLS 1.3 the peer may finish its side before the client's alert: either way it is let go of.
        try
        {
            await (await peer.WaitAsync(Timeout)).Tls.DisposeAsync();
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
        }
    }

    private static void AssertOpenStampedByKernel(HttpRequestMessage upgrade, long sentAtMs)
    {
        Assert.True(upgrade.Options.TryGetValue(UpstreamUpgradeHandler.ConnectionOption, out var connection));
        Assert.True(connection.FirstResponseStampedByKernel);
        Assert.InRange(connection.FirstResponseAtMs, sentAtMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    private static X509Certificate2 SelfSignedLocalhost()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));

        // On Linux a server certificate needs its key loaded from PKCS#12.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    private async Task<(string Request, SslStream Tls)> AnswerOverTlsAsync(X509Certificate2 certificate, string answer)
    {
        var socket = await _listener.AcceptSocketAsync();
        var tls = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await tls.AuthenticateAsServerAsync(certificate);
            var request = await ReadRequestHeadAsync(tls);
            await tls.WriteAsync(Encoding.Latin1.GetBytes(answer));
            return (request, tls);
        }
        catch
        {
            await tls.DisposeAsync();
            throw;
        }
    }

    private HttpRequestMessage UpgradeRequest(string pathAndQuery, int? port = null, string scheme = "http")
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://127.0.0.1:{port ?? Port}{pathAndQuery}");
        request.Headers.TryAddWithoutValidation("Connection", "Upgrade");
        request.Headers.TryAddWithoutValidation("Upgrade", "websocket");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==");
        request.Headers.TryAddWithoutValidation("Sec-WebSocket-Version", "13");
        request.Headers.TryAddWithoutValidation("Authorization", "Token upstream-key");
        return request;
    }

    /// <summary>Accepts one connection, reads the request head, answers with <paramref name="answer"/> (in pieces of
    /// <paramref name="chunk"/> bytes, or at once) and hangs up at once when the answer is empty.</summary>
    private async Task<(string Request, Socket Socket)> AnswerAsync(string answer, int chunk = 0)
    {
        var socket = await _listener.AcceptSocketAsync();
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = await ReadRequestHeadAsync(stream);
        var bytes = Encoding.Latin1.GetBytes(answer);
        if (bytes.Length == 0)
        {
            socket.Shutdown(SocketShutdown.Both);
        }

        for (var offset = 0; offset < bytes.Length; offset += chunk == 0 ? bytes.Length : chunk)
        {
            var length = chunk == 0 ? bytes.Length : Math.Min(chunk, bytes.Length - offset);
            await socket.SendAsync(bytes.AsMemory(offset, length));
            if (chunk > 0)
            {
                await Task.Delay(2);
            }
        }

        return (request, socket);
    }

    /// <summary>What the handler sent, up to the end of its head (or of the connection).</summary>
    private static async Task<string> ReadRequestHeadAsync(Stream connection)
    {
        var request = new StringBuilder();
        var buffer = new byte[1024];
        while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await connection.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            request.Append(Encoding.Latin1.GetString(buffer, 0, read));
        }

        return request.ToString();
    }
}
