using System.Net;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;
using static Proxy.FunctionalTests.Emulator.EmulatorManagementClient;

namespace Proxy.FunctionalTests.Emulator;

/// <summary>The emulator's Deepgram REST API (keys, requests list, grant) and its management fault hooks, which the
/// gateway's management client and reconciliation are tested against. Each test has its own emulator: keys, faults
/// and the request log are process state.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class EmulatorManagementApiTests
{
    [Fact]
    public async Task A_created_key_opens_sessions_at_once_is_its_requests_accessor_and_is_refused_once_deleted()
    {
        await using var emulator = await EmulatorServer.StartAsync();

        var created = await emulator.ManageAsync(HttpMethod.Post, KeysPath, """{"comment":"customer 7","scopes":["member"],"tags":["customer-7"]}""");
        Assert.True(created.Status == HttpStatusCode.OK, created.Text);
        var keyId = created.Body.GetProperty("api_key_id").GetString()!;
        var secret = created.Body.GetProperty("key").GetString()!;
        Assert.True(Guid.TryParse(keyId, out _), keyId);
        Assert.Matches("^[0-9a-f]{40}$", secret);
        Assert.Equal("customer 7", created.Body.GetProperty("comment").GetString());
        Assert.Equal(["member"], created.Body.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(["customer-7"], created.Body.GetProperty("tags").EnumerateArray().Select(s => s.GetString()));
        Assert.False(created.Body.TryGetProperty("expiration_date", out _));

        var listed = await emulator.ManageAsync(HttpMethod.Get, KeysPath);
        var entry = Assert.Single(listed.Body.GetProperty("api_keys").EnumerateArray(), k => k.GetProperty("api_key").GetProperty("api_key_id").GetString() == keyId);
        Assert.Equal("customer 7", entry.GetProperty("api_key").GetProperty("comment").GetString());
        Assert.True(entry.GetProperty("member").TryGetProperty("member_id", out _));
        Assert.Contains(listed.Body.GetProperty("api_keys").EnumerateArray(), k => k.GetProperty("api_key").GetProperty("api_key_id").GetString() == ConfiguredKeyId(EmulatorServer.DefaultApiKey));
        var got = await emulator.ManageAsync(HttpMethod.Get, $"{KeysPath}/{keyId}");
        Assert.Equal(keyId, got.Body.GetProperty("item").GetProperty("member").GetProperty("api_key").GetProperty("api_key_id").GetString());

        // Usable at once, and every connection carries the id of the key it authenticated with.
        var ours = await emulator.RunSessionAsync(TokenHeader(secret));
        var configured = await emulator.RunSessionAsync(TokenHeader(EmulatorServer.DefaultApiKey));
        var record = await emulator.WaitForClosedConnectionAsync(ours);
        Assert.Equal((keyId, "api_key", EmulatorServer.Fingerprint(secret)), (record.GetProperty("api_key_id").GetString(), record.GetProperty("credential").GetString(), record.GetProperty("api_key_sha256").GetString()));
        Assert.Equal(ConfiguredKeyId(EmulatorServer.DefaultApiKey), (await emulator.WaitForClosedConnectionAsync(configured)).GetProperty("api_key_id").GetString());

        var page = await emulator.ManageAsync(HttpMethod.Get, $"{RequestsPath}?accessor={keyId}&endpoint=agent");
        var request = Assert.Single(page.Body.GetProperty("requests").EnumerateArray());
        Assert.Equal((ours, keyId, ProjectId), (request.GetProperty("request_id").GetString(), request.GetProperty("api_key_id").GetString(), request.GetProperty("project_uuid").GetString()));
        Assert.Equal([configured], await emulator.ListRequestIdsAsync("accessor=" + ConfiguredKeyId(EmulatorServer.DefaultApiKey)));

        var deleted = await emulator.ManageAsync(HttpMethod.Delete, $"{KeysPath}/{keyId}");
        Assert.True(deleted.Status == HttpStatusCode.OK, deleted.Text);
        Assert.False(string.IsNullOrEmpty(deleted.Body.GetProperty("message").GetString()));
        Assert.Equal(401, await emulator.UpgradeStatusAsync(TokenHeader(secret)));
        Assert.Equal(101, await emulator.UpgradeStatusAsync(TokenHeader(EmulatorServer.DefaultApiKey)));
        var again = await emulator.ManageAsync(HttpMethod.Delete, $"{KeysPath}/{keyId}");
        Assert.Equal((HttpStatusCode.NotFound, "NOT_FOUND"), (again.Status, again.ErrCode));
        Assert.Equal(HttpStatusCode.NotFound, (await emulator.ManageAsync(HttpMethod.Get, $"{KeysPath}/{keyId}")).Status);
        Assert.DoesNotContain(emulator.Output, line => line.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_management_api_takes_only_valid_api_keys_of_its_project_with_a_managing_scope()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        var (_, member) = await emulator.CreateKeyAsync("member key");
        var (_, admin) = await emulator.CreateKeyAsync("admin key", """["admin"]""");
        var token = await emulator.GrantAsync(EmulatorServer.DefaultApiKey);

        foreach (var path in new[] { KeysPath, RequestsPath })
        {
            var none = await emulator.SendAsync(HttpMethod.Get, path);
            var unknown = await emulator.SendAsync(HttpMethod.Get, path, "Token not-a-key");
            var bearer = await emulator.SendAsync(HttpMethod.Get, path, "Bearer " + token);
            var otherProject = await emulator.ManageAsync(HttpMethod.Get, path.Replace(ProjectId, "another-project", StringComparison.Ordinal));
            var memberKey = await emulator.ManageAsync(HttpMethod.Get, path, key: member);
            var adminKey = await emulator.ManageAsync(HttpMethod.Get, path, key: admin);

            Assert.Equal((HttpStatusCode.Unauthorized, "INVALID_AUTH"), (none.Status, none.ErrCode));
            Assert.Equal((HttpStatusCode.Unauthorized, "INVALID_AUTH"), (unknown.Status, unknown.ErrCode));
            Assert.Equal((HttpStatusCode.Unauthorized, "INVALID_AUTH"), (bearer.Status, bearer.ErrCode));
            Assert.Equal((HttpStatusCode.Forbidden, "FORBIDDEN"), (otherProject.Status, otherProject.ErrCode));
            Assert.Equal((HttpStatusCode.Forbidden, "FORBIDDEN"), (memberKey.Status, memberKey.ErrCode));
            Assert.True(adminKey.Status == HttpStatusCode.OK, adminKey.Text);
        }

        // A member key still opens sessions and grants tokens.
        Assert.Equal(101, await emulator.UpgradeStatusAsync(TokenHeader(member)));
        Assert.Equal(101, await emulator.UpgradeStatusAsync(BearerHeader(await emulator.GrantAsync(member))));
    }

    [Theory]
    [InlineData("""{"scopes":["member"]}""", "comment")]
    [InlineData("""{"comment":""}""", "comment")]
    [InlineData("""{"comment":"c","scopes":[]}""", "scopes")]
    [InlineData("""{"comment":"c","scopes":"member"}""", "scopes")]
    [InlineData("""{"comment":"c","tags":[1]}""", "tags")]
    [InlineData("""{"comment":"c","time_to_live_in_seconds":0}""", "time_to_live_in_seconds")]
    [InlineData("""{"comment":"c","time_to_live_in_seconds":60,"expiration_date":"2099-01-01"}""", "not both")]
    [InlineData("""{"comment":"c","expiration_date":"2001-01-01T00:00:00Z"}""", "expiration_date")]
    [InlineData("""{"comment":"c","expiration_date":"someday"}""", "expiration_date")]
    [InlineData("""["comment"]""", "JSON object")]
    [InlineData("""{"comment":""", "JSON object")]
    public async Task A_create_body_deepgram_would_refuse_gets_400_naming_the_field(string body, string named)
    {
        await using var emulator = await EmulatorServer.StartAsync();

        var refused = await emulator.ManageAsync(HttpMethod.Post, KeysPath, body);

        Assert.Equal((HttpStatusCode.BadRequest, "INVALID_REQUEST_BODY"), (refused.Status, refused.ErrCode));
        Assert.Contains(named, refused.Body.GetProperty("err_msg").GetString(), StringComparison.Ordinal);
        var listed = await emulator.ManageAsync(HttpMethod.Get, KeysPath);
        Assert.Equal(2, listed.Body.GetProperty("api_keys").GetArrayLength());
    }

    [Fact]
    public async Task A_key_with_an_expiry_is_refused_once_it_passes_and_listed_as_expired()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        var dated = await emulator.ManageAsync(HttpMethod.Post, KeysPath, """{"comment":"dated","expiration_date":"2099-06-30T12:00:00Z"}""");
        Assert.Equal("2099-06-30T12:00:00.000Z", dated.Body.GetProperty("expiration_date").GetString());
        Assert.Equal(["member"], dated.Body.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));

        var (keyId, secret) = await emulator.CreateKeyAsync("short-lived", extra: ""","time_to_live_in_seconds":5""");
        Assert.Equal(101, await emulator.UpgradeStatusAsync(TokenHeader(secret)));
        var token = await emulator.GrantAsync(secret, """{"ttl_seconds":3600}""");

        Assert.Equal(401, await emulator.WaitForUpgradeStatusAsync(TokenHeader(secret), 401, TimeSpan.FromSeconds(30)));
        Assert.Equal(401, await emulator.UpgradeStatusAsync(BearerHeader(token)));
        var grant = await emulator.SendAsync(HttpMethod.Post, "/v1/auth/grant", "Token " + secret);
        Assert.Equal(HttpStatusCode.Unauthorized, grant.Status);
        Assert.Contains(keyId, await KeyIdsAsync(emulator, "expired"));
        Assert.DoesNotContain(keyId, await KeyIdsAsync(emulator, "active"));
        Assert.Contains(dated.Body.GetProperty("api_key_id").GetString(), await KeyIdsAsync(emulator, "active"));
        Assert.Equal(HttpStatusCode.BadRequest, (await emulator.ManageAsync(HttpMethod.Get, KeysPath + "?status=revoked")).Status);
    }

    [Fact]
    public async Task A_granted_token_opens_the_agent_as_bearer_header_or_subprotocol_attributed_to_its_key_until_it_expires()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        var (keyId, secret) = await emulator.CreateKeyAsync("token minter");

        var standard = await emulator.SendAsync(HttpMethod.Post, "/v1/auth/grant", "Token " + secret);
        Assert.True(standard.Status == HttpStatusCode.OK, standard.Text);
        Assert.Equal(30, standard.Body.GetProperty("expires_in").GetInt32());
        var token = standard.Body.GetProperty("access_token").GetString()!;
        Assert.Equal(3, token.Split('.').Length);
        var chosen = await emulator.SendAsync(HttpMethod.Post, "/v1/auth/grant", "Token " + secret, """{"ttl_seconds":3600}""");
        Assert.Equal(3600, chosen.Body.GetProperty("expires_in").GetInt32());
        foreach (var bad in new[] { """{"ttl_seconds":0}""", """{"ttl_seconds":3601}""", """{"ttl_seconds":"60"}""", """{"ttl_seconds":1.5}""", "[]", "{" })
        {
            var refused = await emulator.SendAsync(HttpMethod.Post, "/v1/auth/grant", "Token " + secret, bad);
            Assert.True(refused.Status == HttpStatusCode.BadRequest && refused.ErrCode == "INVALID_REQUEST_BODY", $"{bad}: {refused.Status} {refused.Text}");
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await emulator.SendAsync(HttpMethod.Post, "/v1/auth/grant", "Bearer " + token)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await emulator.SendAsync(HttpMethod.Post, "/v1/auth/grant", "Token not-a-key")).Status);

        var byHeader = await emulator.WaitForClosedConnectionAsync(await emulator.RunSessionAsync(BearerHeader(token)));
        var bySubprotocol = await emulator.WaitForClosedConnectionAsync(await emulator.RunSessionAsync(BearerSubprotocol(token)));
        foreach (var record in new[] { byHeader, bySubprotocol })
        {
            Assert.Equal((keyId, "access_token"), (record.GetProperty("api_key_id").GetString(), record.GetProperty("credential").GetString()));
            Assert.DoesNotContain(token, record.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Equal(["bearer", "***"], bySubprotocol.GetProperty("requested_protocols").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(401, await emulator.UpgradeStatusAsync(BearerHeader(Tampered(token))));
        Assert.Equal(401, await emulator.UpgradeStatusAsync(BearerHeader("not.a.token")));

        // A one-second token dies on its own; deleting a key ends the tokens it minted.
        var shortLived = await emulator.GrantAsync(secret, """{"ttl_seconds":1}""");
        Assert.Equal(401, await emulator.WaitForUpgradeStatusAsync(BearerHeader(shortLived), 401, TimeSpan.FromSeconds(30)));
        Assert.Equal(101, await emulator.UpgradeStatusAsync(BearerHeader(token)));
        await emulator.ManageAsync(HttpMethod.Delete, $"{KeysPath}/{keyId}");
        Assert.Equal(401, await emulator.UpgradeStatusAsync(BearerHeader(token)));
        Assert.DoesNotContain(emulator.Output, line => line.Contains(token, StringComparison.Ordinal) || line.Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_requests_list_pages_newest_first_and_filters_as_deepgram_does()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        var (keyId, secret) = await emulator.CreateKeyAsync("requests");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await emulator.RunSessionAsync(TokenHeader(secret)));
        }

        var other = await emulator.RunSessionAsync(TokenHeader(EmulatorServer.CustomerApiKey));
        var newestFirst = Enumerable.Reverse(ids).ToList();
        var accessor = "accessor=" + keyId;

        Assert.Equal(newestFirst, await emulator.ListRequestIdsAsync(accessor));
        Assert.Equal(newestFirst[..2], await emulator.ListRequestIdsAsync(accessor + "&limit=2&page=0"));
        Assert.Equal(newestFirst[2..], await emulator.ListRequestIdsAsync(accessor + "&limit=2&page=1"));
        Assert.Empty(await emulator.ListRequestIdsAsync(accessor + "&limit=2&page=2"));
        Assert.Equal([other, .. newestFirst], await emulator.ListRequestIdsAsync("limit=1000"));
        Assert.Equal([ids[1]], await emulator.ListRequestIdsAsync("request_id=" + ids[1]));
        Assert.Equal(newestFirst, await emulator.ListRequestIdsAsync(accessor + "&endpoint=agent&method=streaming&status=succeeded&deployment=hosted"));
        Assert.Empty(await emulator.ListRequestIdsAsync(accessor + "&endpoint=listen"));
        Assert.Empty(await emulator.ListRequestIdsAsync(accessor + "&status=failed"));
        Assert.Empty(await emulator.ListRequestIdsAsync("accessor=no-such-key"));

        var first = await emulator.WaitForClosedConnectionAsync(ids[0]);
        var openedMs = first.GetProperty("opened_at_ms").GetInt64();
        Assert.Equal(newestFirst, await emulator.ListRequestIdsAsync($"{accessor}&start={Instant(openedMs)}&end={Instant(openedMs + 600_000)}"));
        Assert.Equal(newestFirst[..2], await emulator.ListRequestIdsAsync($"{accessor}&start={Instant(openedMs + 1)}"));
        Assert.Empty(await emulator.ListRequestIdsAsync($"{accessor}&end={Instant(openedMs)}"));

        var page = await emulator.ManageAsync(HttpMethod.Get, $"{RequestsPath}?request_id={ids[0]}");
        var entry = Assert.Single(page.Body.GetProperty("requests").EnumerateArray());
        Assert.Equal((0, 10), (page.Body.GetProperty("page").GetInt32(), page.Body.GetProperty("limit").GetInt32()));
        Assert.Equal("/v1/agent/converse", entry.GetProperty("path").GetString());
        Assert.Equal(Instant(openedMs), entry.GetProperty("created").GetString());
        Assert.Equal(Math.Round(first.GetProperty("duration_ms").GetDouble() / 1000, 3), entry.GetProperty("response").GetProperty("details").GetProperty("duration").GetDouble());

        foreach (var bad in new[] { "limit=0", "limit=1001", "limit=x", "page=-1", "start=someday", "start=2026-12-02&end=2026-12-01", "endpoint=transcribe", "status=ok", "method=batch", "deployment=cloud" })
        {
            var refused = await emulator.ManageAsync(HttpMethod.Get, $"{RequestsPath}?{bad}");
            Assert.True(refused.Status == HttpStatusCode.BadRequest && refused.ErrCode == "INVALID_QUERY_PARAMETER", $"{bad}: {refused.Status} {refused.Text}");
        }
    }

    [Fact]
    public async Task Management_faults_answer_the_next_matching_requests_with_deepgrams_error_and_retry_after_and_are_logged()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        var added = await emulator.SendAsync(HttpMethod.Post, "/emulator/v1/management-faults", null, """{"status":429,"retry_after_seconds":3,"count":2,"path_contains":"/requests"}""");
        Assert.Equal(HttpStatusCode.Created, added.Status);

        var keysMeanwhile = await emulator.ManageAsync(HttpMethod.Get, KeysPath);
        var first = await emulator.ManageAsync(HttpMethod.Get, RequestsPath);
        var second = await emulator.SendAsync(HttpMethod.Get, RequestsPath, "Token not-a-key");
        var third = await emulator.ManageAsync(HttpMethod.Get, RequestsPath);

        Assert.Equal(HttpStatusCode.OK, keysMeanwhile.Status);
        foreach (var faulted in new[] { first, second })
        {
            Assert.Equal((HttpStatusCode.TooManyRequests, "TOO_MANY_REQUESTS"), (faulted.Status, faulted.ErrCode));
            Assert.Equal(TimeSpan.FromSeconds(3), faulted.RetryAfter?.Delta);
        }

        Assert.True(third.Status == HttpStatusCode.OK, third.Text);
        Assert.Equal(0, (await emulator.SendAsync(HttpMethod.Get, "/emulator/v1/management-faults")).Body.GetArrayLength());

        await emulator.SendAsync(HttpMethod.Post, "/emulator/v1/management-faults", null, """{"status":503,"method":"POST"}""");
        var unavailable = await emulator.ManageAsync(HttpMethod.Post, KeysPath, """{"comment":"during an outage"}""");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "SERVICE_UNAVAILABLE", null), (unavailable.Status, unavailable.ErrCode, unavailable.RetryAfter));
        Assert.Equal(2, (await emulator.ManageAsync(HttpMethod.Get, KeysPath)).Body.GetProperty("api_keys").GetArrayLength());

        await emulator.SendAsync(HttpMethod.Post, "/emulator/v1/management-faults", null, """{"status":500,"count":5}""");
        Assert.Equal(HttpStatusCode.NoContent, (await emulator.SendAsync(HttpMethod.Delete, "/emulator/v1/management-faults")).Status);
        Assert.Equal(HttpStatusCode.OK, (await emulator.ManageAsync(HttpMethod.Get, KeysPath)).Status);

        var log = (await emulator.SendAsync(HttpMethod.Get, "/emulator/v1/management-requests")).Body.EnumerateArray()
            .Select(e => (e.GetProperty("method").GetString(), e.GetProperty("path").GetString(), e.GetProperty("status").GetInt32(), e.GetProperty("fault").GetBoolean()))
            .ToList();
        Assert.Equal(
            [
                ("GET", KeysPath, 200, false), ("GET", RequestsPath, 429, true), ("GET", RequestsPath, 429, true), ("GET", RequestsPath, 200, false),
                ("POST", KeysPath, 503, true), ("GET", KeysPath, 200, false), ("GET", KeysPath, 200, false),
            ],
            log);
        Assert.Equal(HttpStatusCode.NoContent, (await emulator.SendAsync(HttpMethod.Delete, "/emulator/v1/management-requests")).Status);
        Assert.Equal(0, (await emulator.SendAsync(HttpMethod.Get, "/emulator/v1/management-requests")).Body.GetArrayLength());

        foreach (var bad in new[] { """{"status":200}""", """{"count":1}""", """{"status":429,"count":0}""", """{"status":429,"retry_after_seconds":-1}""", """{"status":429,"path_contains":""}""", "[" })
        {
            var refused = await emulator.SendAsync(HttpMethod.Post, "/emulator/v1/management-faults", null, bad);
            Assert.True(refused.Status == HttpStatusCode.BadRequest, $"{bad}: {refused.Status} {refused.Text}");
        }
    }

    /// <summary>The token with one character of its signature changed (in the middle: every bit of it is data).</summary>
    private static string Tampered(string token)
    {
        var at = token.LastIndexOf('.') + 10;
        return token[..at] + (token[at] == 'A' ? 'B' : 'A') + token[(at + 1)..];
    }

    private static string Instant(long unixMs) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<List<string>> KeyIdsAsync(EmulatorServer emulator, string status)
    {
        var listed = await emulator.ManageAsync(HttpMethod.Get, $"{KeysPath}?status={status}");
        Assert.True(listed.Status == HttpStatusCode.OK, listed.Text);
        return [.. listed.Body.GetProperty("api_keys").EnumerateArray().Select(k => k.GetProperty("api_key").GetProperty("api_key_id").GetString()!)];
    }
}
