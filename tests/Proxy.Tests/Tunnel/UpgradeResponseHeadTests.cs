using System.Text;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Tunnel;

public sealed class UpgradeResponseHeadTests
{
    [Fact]
    public void A_101_with_its_fields_and_the_bytes_behind_it()
    {
        var data = Bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept:  s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \r\ndg-request-id: abc\r\n\r\n\x81\x02hi");

        var head = UpgradeResponseHead.TryParse(data);

        Assert.NotNull(head);
        Assert.Equal(101, head.StatusCode);
        Assert.Equal("Switching Protocols", head.ReasonPhrase);
        Assert.Equal(data.Length - 4, head.Length);
        Assert.Equal(
            [
                new("Upgrade", "websocket"),
                new("Connection", "Upgrade"),
                new("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                new("dg-request-id", "abc"),
            ],
            head.Headers);
    }

    [Theory]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\n")]
    [InlineData("HTTP/1.1 10")]
    [InlineData("")]
    public void An_incomplete_head_is_not_parsed_yet(string text)
    {
        Assert.Null(UpgradeResponseHead.TryParse(Bytes(text)));
    }

    [Fact]
    public void A_refusal_without_a_reason_phrase()
    {
        var head = UpgradeResponseHead.TryParse(Bytes("HTTP/1.1 401\r\nContent-Length: 0\r\n\r\n"));

        Assert.NotNull(head);
        Assert.Equal(401, head.StatusCode);
        Assert.Equal(string.Empty, head.ReasonPhrase);
    }

    [Theory]
    [InlineData("HTTP/2 101 Switching Protocols\r\n\r\n")]
    [InlineData("HTTP/1.1 1O1 Switching Protocols\r\n\r\n")]
    [InlineData("HTTP/1.1 101Switching\r\n\r\n")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\n: empty name\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n folded: line\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\nBad Name: x\r\n\r\n")]
    [InlineData("HTTP/1.1 101 OK\r\nX: a\u0001b\r\n\r\n")]
    public void A_malformed_head_is_an_upstream_failure(string text)
    {
        Assert.Throws<HttpRequestException>(() => UpgradeResponseHead.TryParse(Bytes(text)));
    }

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);
}
