using Microsoft.Extensions.Primitives;
using Proxy.Gateway;
using Proxy.Tunnel;

namespace Proxy.Tests.Gateway;

public sealed class ClientCredentialParserTests
{
    private const string Key = "dgpk_abcDEF123-_xyz";
    private const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJrZXlfaWQiOiJrMSJ9.c2lnbmF0dXJl";
    private const string Uuid = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";

    [Theory]
    [InlineData("Token " + Key)]
    [InlineData("token " + Key)]
    [InlineData("TOKEN " + Key)]
    [InlineData("Token   " + Key + "  ")]
    [InlineData("  Token " + Key)]
    public void Authorization_token_header_gives_the_key(string header)
    {
        var credentials = Succeeds(authorization: header);

        Assert.Equal(new ClientCredentials(Key, CredentialSource.AuthorizationHeader, false, null), credentials);
    }

    [Theory]
    [InlineData("Bearer " + Jwt)]
    [InlineData("bearer " + Jwt)]
    [InlineData("  BEARER   " + Jwt + " ")]
    public void Authorization_bearer_header_gives_an_access_token(string header)
    {
        var credentials = Succeeds(authorization: header);

        Assert.Equal(new ClientCredentials(Jwt, CredentialSource.BearerHeader, false, null), credentials);
        Assert.True(credentials.IsAccessToken);
        Assert.Null(credentials.AnsweredSubprotocol);
    }

    [Fact]
    public void Bearer_subprotocol_gives_an_access_token_answered_bearer()
    {
        var credentials = Succeeds(subprotocols: "bearer, " + Jwt);

        Assert.Equal(new ClientCredentials(Jwt, CredentialSource.BearerSubprotocol, false, null) { OfferedBearerSubprotocol = true }, credentials);
        Assert.True(credentials.IsAccessToken);
        Assert.Equal("bearer", credentials.AnsweredSubprotocol);
        Assert.True(credentials.OfferedCredentialSubprotocol);
    }

    [Fact]
    public void Token_subprotocol_is_still_a_key_answered_token()
    {
        var credentials = Succeeds(subprotocols: "token, " + Key);

        Assert.False(credentials.IsAccessToken);
        Assert.Equal("token", credentials.AnsweredSubprotocol);
    }

    [Fact]
    public void Bearer_header_without_a_token_is_refused()
    {
        var result = ClientCredentialParser.Parse("Bearer ", default, default, default);

        Assert.Null(result.Credentials);
        Assert.Contains("Bearer <access token>", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Tokens " + Key)]
    [InlineData(Key)]
    public void Other_authorization_schemes_are_refused(string header)
    {
        var error = Fails(authorization: header);

        Assert.Contains("scheme", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Token")]
    [InlineData("Token ")]
    [InlineData("Token    ")]
    public void Authorization_without_a_key_is_refused(string header)
    {
        var error = Fails(authorization: header);

        Assert.Contains("no key", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_authorization_headers_are_refused()
    {
        var error = Fails(authorization: new StringValues(["Token a", "Token b"]));

        Assert.Contains("single Authorization header", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Authorization_header_wins_over_a_subprotocol_key_and_refusal_is_not_bypassed_by_it()
    {
        Assert.Equal(Key, Succeeds(authorization: "Token " + Key, subprotocols: "token, other").Secret);
        Fails(authorization: "Basic x", subprotocols: "token, " + Key);
        Fails(authorization: "Bearer", subprotocols: "token, " + Key);
    }

    [Theory]
    [InlineData("token, " + Key)]
    [InlineData("token," + Key)]
    [InlineData("  token ,   " + Key + "  ")]
    [InlineData("Token, " + Key)]
    public void Token_subprotocol_pair_gives_the_key(string header)
    {
        var credentials = Succeeds(subprotocols: header);

        Assert.Equal(new ClientCredentials(Key, CredentialSource.Subprotocol, true, null), credentials);
    }

    [Fact]
    public void Token_subprotocol_pair_split_over_two_header_values_gives_the_key()
    {
        var credentials = Succeeds(subprotocols: new StringValues(["token", Key]));

        Assert.Equal(new ClientCredentials(Key, CredentialSource.Subprotocol, true, null), credentials);
    }

    [Fact]
    public void Other_subprotocols_around_the_pair_are_skipped()
    {
        var credentials = Succeeds(subprotocols: "chat.v1, token, " + Key + ", json");

        Assert.Equal(Key, credentials.Secret);
        Assert.True(credentials.OfferedTokenSubprotocol);
    }

    [Fact]
    public void First_token_pair_wins()
    {
        Assert.Equal("first", Succeeds(subprotocols: "token, first, token, second").Secret);
    }

    [Fact]
    public void Token_offered_with_header_auth_keeps_the_header_key_and_remembers_the_offer()
    {
        var credentials = Succeeds(authorization: "Token " + Key, subprotocols: "token");

        Assert.Equal(new ClientCredentials(Key, CredentialSource.AuthorizationHeader, true, null), credentials);
    }

    [Fact]
    public void Token_subprotocol_without_a_key_and_no_header_is_refused()
    {
        Assert.Contains("No proxy key", Fails(subprotocols: "token"), StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_presented_is_refused()
    {
        Assert.Contains("No proxy key", Fails(), StringComparison.Ordinal);
        Assert.Contains("No proxy key", Fails(subprotocols: "chat.v1, json"), StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_authorization_value_falls_back_to_the_subprotocol()
    {
        Assert.Equal(Key, Succeeds(authorization: string.Empty, subprotocols: "token, " + Key).Secret);
    }

    [Fact]
    public void Sdk_session_id_subprotocol_becomes_the_client_session_id()
    {
        var credentials = Succeeds(subprotocols: "token, " + Key + ", x-deepgram-session-id, " + Uuid);

        Assert.Equal(new ClientCredentials(Key, CredentialSource.Subprotocol, true, Uuid), credentials);
    }

    [Fact]
    public void Sdk_session_id_subprotocol_before_the_token_pair_also_counts()
    {
        var credentials = Succeeds(subprotocols: new StringValues(["X-Deepgram-Session-Id", Uuid, "token", Key]));

        Assert.Equal(Uuid, credentials.ClientSessionId);
        Assert.Equal(Key, credentials.Secret);
    }

    [Fact]
    public void Client_session_id_header_wins_over_query_and_subprotocol()
    {
        var credentials = Succeeds(
            authorization: "Token " + Key,
            subprotocols: "x-deepgram-session-id, from-protocol",
            clientSessionIdHeader: "from-header",
            clientSessionIdQuery: "from-query");

        Assert.Equal("from-header", credentials.ClientSessionId);
    }

    [Fact]
    public void Client_session_id_query_wins_over_subprotocol()
    {
        var credentials = Succeeds(
            authorization: "Token " + Key,
            subprotocols: "x-deepgram-session-id, from-protocol",
            clientSessionIdQuery: "from-query");

        Assert.Equal("from-query", credentials.ClientSessionId);
    }

    [Fact]
    public void Sdk_session_id_header_counts_after_header_and_query_but_before_the_subprotocol()
    {
        Assert.Equal("from-sdk-header", Succeeds(
            authorization: "Token " + Key,
            subprotocols: "x-deepgram-session-id, from-protocol",
            deepgramSessionIdHeader: "from-sdk-header").ClientSessionId);
        Assert.Equal("from-query", Succeeds(
            authorization: "Token " + Key,
            clientSessionIdQuery: "from-query",
            deepgramSessionIdHeader: "from-sdk-header").ClientSessionId);
    }

    [Fact]
    public void Unusable_client_session_id_header_falls_back_to_the_query()
    {
        var credentials = Succeeds(authorization: "Token " + Key, clientSessionIdHeader: "bad id", clientSessionIdQuery: "good-id");

        Assert.Equal("good-id", credentials.ClientSessionId);
    }

    [Fact]
    public void Client_session_id_is_trimmed()
    {
        Assert.Equal("abc-123", Succeeds(authorization: "Token " + Key, clientSessionIdHeader: "  abc-123 ").ClientSessionId);
    }

    [Fact]
    public void Client_session_id_longer_than_128_characters_is_cut_to_128()
    {
        var longId = new string('x', 100) + new string('y', 100);

        var id = Succeeds(authorization: "Token " + Key, clientSessionIdHeader: longId).ClientSessionId;

        Assert.Equal(new string('x', 100) + new string('y', 28), id);
    }

    [Fact]
    public void Client_session_id_of_exactly_128_characters_is_kept()
    {
        var id = new string('z', 128);

        Assert.Equal(id, Succeeds(authorization: "Token " + Key, clientSessionIdQuery: id).ClientSessionId);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("tab\there")]
    [InlineData("line\nbreak")]
    [InlineData("nul\0")]
    [InlineData("delete\u007f")]
    [InlineData("naïve")]
    [InlineData("   ")]
    [InlineData("")]
    public void Non_printable_or_empty_client_session_id_is_dropped(string value)
    {
        Assert.Null(Succeeds(authorization: "Token " + Key, clientSessionIdHeader: value).ClientSessionId);
    }

    [Theory]
    [InlineData("!")]
    [InlineData("~")]
    [InlineData("a:b/c?d=e")]
    public void Printable_ascii_client_session_id_is_kept(string value)
    {
        Assert.Equal(value, Succeeds(authorization: "Token " + Key, clientSessionIdHeader: value).ClientSessionId);
    }

    private static ClientCredentials Succeeds(
        StringValues authorization = default,
        StringValues subprotocols = default,
        StringValues clientSessionIdHeader = default,
        StringValues clientSessionIdQuery = default,
        StringValues deepgramSessionIdHeader = default)
    {
        var result = ClientCredentialParser.Parse(authorization, subprotocols, clientSessionIdHeader, clientSessionIdQuery, deepgramSessionIdHeader);
        Assert.Null(result.Error);
        return Assert.IsType<ClientCredentials>(result.Credentials);
    }

    private static string Fails(
        StringValues authorization = default,
        StringValues subprotocols = default,
        StringValues clientSessionIdHeader = default,
        StringValues clientSessionIdQuery = default)
    {
        var result = ClientCredentialParser.Parse(authorization, subprotocols, clientSessionIdHeader, clientSessionIdQuery);
        Assert.Null(result.Credentials);
        return Assert.IsType<string>(result.Error);
    }
}
