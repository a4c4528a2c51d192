using Microsoft.AspNetCore.Http;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Gateway;

/// <summary>Deepgram reads options from the query string, so it goes upstream as the client sent it, minus the
/// proxy's own <c>client_session_id</c>.</summary>
public sealed class AgentUpstreamTransformerQueryTests
{
    [Theory]
    [InlineData("?client_session_id=abc", "")]
    [InlineData("?client_session_id=abc&model=nova-3", "?model=nova-3")]
    [InlineData("?model=nova-3&client_session_id=abc", "?model=nova-3")]
    [InlineData("?a=1&client_session_id=abc&b=2", "?a=1&b=2")]
    [InlineData("?client_session_id", "")]
    [InlineData("?client_session_id=", "")]
    [InlineData("?client_session_id=1&client_session_id=2&z=3", "?z=3")]
    [InlineData("?client%5Fsession%5Fid=abc&z=3", "?z=3")]
    [InlineData("?client%5fsession%5fid=abc&z=3", "?z=3")]
    [InlineData("?Client_Session_Id=abc&z=3", "?z=3")]
    public void Client_session_id_is_removed(string query, string expected)
    {
        Assert.Equal(expected, AgentUpstreamTransformer.UpstreamQuery(new QueryString(query)));
    }

    [Theory]
    [InlineData("?model=nova-3")]
    [InlineData("?b=2&a=1&c=3")]
    [InlineData("?q=hello%20world&x=%2F%3D&y=a+b")]
    [InlineData("?flag&empty=&eq=a=b=c")]
    [InlineData("?client_session_idx=1&xclient_session_id=2&session_id=3")]
    [InlineData("?tag=%E2%9C%93&Tag=2&tag=3")]
    [InlineData("?bad=%zz%&%GG")]
    public void Everything_else_is_kept_byte_for_byte_and_in_order(string query)
    {
        Assert.Equal(query, AgentUpstreamTransformer.UpstreamQuery(new QueryString(query)));
    }

    [Fact]
    public void No_query_gives_an_empty_string()
    {
        Assert.Equal(string.Empty, AgentUpstreamTransformer.UpstreamQuery(QueryString.Empty));
        Assert.Equal(string.Empty, AgentUpstreamTransformer.UpstreamQuery(new QueryString("?")));
    }

    [Fact]
    public void Empty_segments_are_dropped()
    {
        // Observed normalisation: "&&" and a trailing '&' carry no parameter and are not forwarded.
        Assert.Equal("?a=1&b=2", AgentUpstreamTransformer.UpstreamQuery(new QueryString("?a=1&&b=2&")));
    }
}
