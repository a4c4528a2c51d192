using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Proxy.Tunnel;

/// <summary>
/// The innermost handler of the upstream client: opens one connection per upgrade request (TCP, TLS for wss) and
/// speaks the HTTP/1.1 handshake on it itself. A 101's content is the connection stream, with the bytes that came
/// in behind the head first. Unlike <see cref="SocketsHttpHandler"/>, nothing of HTTP stays on the connection after
/// the handshake: it kept a 4 KB read and a 4 KB write buffer, and the connection object around them, for every
/// session's lifetime (8 of about 40 KB per idle session, measured with dotnet-gcdump).
/// </summary>
internal sealed class UpstreamUpgradeHandler : HttpMessageHandler
{
    /// <summary>The connection a 101 came on, for the observer above (its first-response instant, its end).</summary>
    public static readonly HttpRequestOptionsKey<UpstreamConnectionStream> ConnectionOption = new("dgproxy.upstream-connection");

    private const int InitialHeadBuffer = 4 * 1024;
    private const int MaxHeadBytes = 64 * 1024;

    private readonly TimeProvider _time;
    private readonly RemoteCertificateValidationCallback? _validateCertificate;
    private readonly bool _kernelReceiveTimestamps;

    /// <param name="time">The clock of the connection's first-response and end stamps.</param>
    /// <param name="validateCertificate">Replaces the system's validation of the upstream's certificate; only tests
    /// pass one (a peer with a certificate of their own). Null in production: the system's trust store decides.</param>
    /// <param name="kernelReceiveTimestamps">Whether the open instant is the kernel's receive time of the answer
    /// (<c>Upstream:KernelReceiveTimestamps</c>).</param>
    public UpstreamUpgradeHandler(TimeProvider time, RemoteCertificateValidationCallback? validateCertificate = null, bool kernelReceiveTimestamps = true)
    {
        _time = time;
        _validateCertificate = validateCertificate;
        _kernelReceiveTimestamps = kernelReceiveTimestamps;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The upgrade request has no URI.");
        if (request.Method != HttpMethod.Get || uri.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException($"Only GET upgrade requests over http or https go upstream (was {request.Method} {uri.Scheme}).");
        }

        var head = RequestHead(request, uri);
        var connection = await ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
        try
        {
            await connection.WriteAsync(head, cancellationToken).ConfigureAwait(false);
            var (response, rest) = await ReadHeadAsync(connection, cancellationToken).ConfigureAwait(false);
            var content = response.StatusCode == HttpStatusCode.SwitchingProtocols
                ? new UpgradedTunnelContent(rest.Length == 0 ? connection : new PrefixedConnectionStream(rest, connection))
                : (HttpContent)new ByteArrayContent([]);
            response.Content = content;
            response.RequestMessage = request;
            if (response.StatusCode == HttpStatusCode.SwitchingProtocols)
            {
                request.Options.Set(ConnectionOption, connection);
            }
            else
            {
                // A refusal's body is never passed on (the client gets the proxy's own 502): the connection is done.
                await connection.DisposeAsync().ConfigureAwait(false);
            }

            return response;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static byte[] RequestHead(HttpRequestMessage request, Uri uri)
    {
        var head = new StringBuilder(512);
        head.Append("GET ").Append(uri.PathAndQuery).Append(" HTTP/1.1\r\n");
        if (request.Headers.Host is null)
        {
            AppendField(head, "Host", uri.IsDefaultPort ? HostOf(uri) : $"{HostOf(uri)}:{uri.Port}");
        }

        foreach (var (name, values) in request.Headers.NonValidated)
        {
            AppendField(head, name, values.ToString());
        }

        head.Append("\r\n");
        return Encoding.ASCII.GetBytes(head.ToString());
    }

    private static void AppendField(StringBuilder head, string name, string value)
    {
        // What SocketsHttpHandler refuses too: a field that would split the request, or non-ASCII.
        foreach (var c in value)
        {
            if (c is '\r' or '\n' or '\0' || c > '\x7F')
            {
                throw new HttpRequestException($"The upgrade request's {name} header holds a character that cannot be sent.");
            }
        }

        head.Append(name).Append(": ").Append(value).Append("\r\n");
    }

    private static string HostOf(Uri uri) => uri.HostNameType == UriHostNameType.IPv6 ? $"[{BareHost(uri)}]" : BareHost(uri);

    private static string BareHost(Uri uri) => uri.IdnHost.Trim('[', ']');

    private async Task<UpstreamConnectionStream> ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        var host = BareHost(uri);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(host, uri.Port), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"{ex.Message} ({host}:{uri.Port})", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var raw = KernelStampedSocketStream.Create(socket, _kernelReceiveTimestamps);
        Stream stream = raw;
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false);
            try
            {
                await tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions { TargetHost = host, ApplicationProtocols = [SslApplicationProtocol.Http11], RemoteCertificateValidationCallback = _validateCertificate },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is AuthenticationException or IOException)
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                throw new HttpRequestException(HttpRequestError.SecureConnectionError, $"The TLS handshake with {host} failed.", ex);
            }
            catch
            {
                await tls.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            stream = tls;
        }

        // What is read from here on is the answer to the upgrade (the TLS handshake's reads were not).
        raw.Arm();
        return new UpstreamConnectionStream(stream, socket, raw, _time);
    }

    /// <summary>Reads until the response head is complete; returns it and the bytes already read behind it.</summary>
    private static async Task<(HttpResponseMessage Response, byte[] Behind)> ReadHeadAsync(Stream connection, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialHeadBuffer);
        var filled = 0;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= MaxHeadBytes)
                    {
                        throw new HttpRequestException($"The agent API's answer to the upgrade has a head over {MaxHeadBytes} bytes.");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await connection.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new HttpRequestException(HttpRequestError.ResponseEnded, "The agent API closed the connection before answering the upgrade.");
                }

                filled += read;
                if (UpgradeResponseHead.TryParse(buffer.AsSpan(0, filled)) is not { } head)
                {
                    continue;
                }

                var response = new HttpResponseMessage((HttpStatusCode)head.StatusCode)
                {
                    Version = HttpVersion.Version11,
                    ReasonPhrase = head.ReasonPhrase,
                };
                foreach (var (name, value) in head.Headers)
                {
                    // Content headers (a refusal's Content-Type, say) are not kept: no body is passed on.
                    response.Headers.TryAddWithoutValidation(name, value);
                }

                return (response, buffer.AsSpan(head.Length, filled - head.Length).ToArray());
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
