using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Admin;

/// <summary>Offboarding: DELETE /admin/v1/customers/{id} deletes a disabled customer; its keys stop working at the
/// gateway, its records, usage and invoices stay, and the id can start again from nothing.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class CustomerDeletionTests
{
    private readonly GatewayFixture _gateway;

    public CustomerDeletionTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    private ProxyServer Proxy => _gateway.Proxy;

    [Fact]
    public async Task A_deleted_customer_s_key_gets_401_its_records_usage_and_invoice_stay_and_a_new_put_starts_clean()
    {
        const string customer = "offboard-full";
        var (keyId, secret) = await Proxy.IssueKeyAsync(customer);
        var (client, requestId) = await AgentTestClient.StartSessionAsync(Proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.CloseAsync();
        }

        var record = await Proxy.WaitForClosedRecordAsync(customer, r => r.GetProperty("deepgram_request_id").GetString() == requestId);
        var sessionId = record.GetProperty("session_id").GetString()!;
        await Proxy.PatchSettingsAsync(customer, new { idle_timeout_ms = 45_000 });
        using (var upstream = await Proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/customers/{customer}/upstream-key", UriKind.Relative), new { api_key = "dg-offboard-test" }))
        {
            upstream.EnsureSuccessStatusCode();
        }

        // Enabled: refused, nothing changed.
        using (var refused = await Proxy.Admin.DeleteAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            var error = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("customer_enabled", error.GetProperty("error").GetString());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        }

        Assert.True((await Proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative))).GetProperty("has_upstream_key").GetBoolean());

        await Proxy.PutCustomerAsync(customer, new { disabled = true });
        using (var deleted = await Proxy.Admin.DeleteAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            var summary = await deleted.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(customer, summary.GetProperty("customer_id").GetString());
            Assert.Equal(1, summary.GetProperty("keys_revoked").GetInt32());
        }

        // Gone from the admin API and the list; deleting again is a 404.
        using (var gone = await Proxy.Admin.GetAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        using (var again = await Proxy.Admin.DeleteAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        }

        var listed = (await Proxy.PagesAsync("/admin/v1/customers", "customers", 1000)).SelectMany(p => p);
        Assert.DoesNotContain(listed, c => c.GetProperty("customer_id").GetString() == customer);

        // Its key is refused at the gateway, before anything reaches the upstream.
        await AssertKeyRefusedAsync(secret);

        // Its record, usage and invoice still answer.
        var kept = await Proxy.ListSessionsAsync(customer);
        Assert.Contains(kept, r => r.GetProperty("session_id").GetString() == sessionId);
        Assert.Equal(customer, (await Proxy.GetSessionAsync(sessionId)).GetProperty("customer_id").GetString());
        var day = DateTimeOffset.FromUnixTimeMilliseconds(record.GetProperty("upstream_opened_at_ms").GetInt64()).UtcDateTime;
        var usage = await Proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/usage?customer={customer}&from={day:yyyy-MM-dd}&to={day:yyyy-MM-dd}&group_by=key", UriKind.Relative));
        Assert.Equal(1, usage.GetProperty("total").GetProperty("sessions").GetInt64());
        Assert.Contains(usage.GetProperty("rows").EnumerateArray(), r => r.GetProperty("key_id").GetString() == keyId);
        using (var invoice = await Proxy.Admin.GetAsync(new Uri($"/admin/v1/customers/{customer}/invoices/{day:yyyy-MM}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, invoice.StatusCode);
        }

        // The revoked key's records expire with the records, not never.
        var keyHash = await _gateway.Redis.Database.StringGetAsync($"dgp:key:{keyId}");
        Assert.NotNull(await _gateway.Redis.Database.KeyTimeToLiveAsync($"dgp:keyhash:{keyHash}"));

        // The same id again: a new customer, no keys, default settings, no upstream key; the old key stays refused.
        using (var recreated = await Proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative), new { name = "Back again" }))
        {
            Assert.Equal(HttpStatusCode.Created, recreated.StatusCode);
            var view = await recreated.Content.ReadFromJsonAsync<JsonElement>();
            Assert.False(view.GetProperty("disabled").GetBoolean());
            Assert.False(view.GetProperty("has_upstream_key").GetBoolean());
        }

        var keys = await Proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customer}/keys", UriKind.Relative));
        Assert.Equal(0, keys.GetProperty("keys").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, keys.GetProperty("next_cursor").ValueKind);
        var settings = await Proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customer}/settings", UriKind.Relative));
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("overrides").GetProperty("idle_timeout_ms").ValueKind);
        Assert.NotEqual(45_000, settings.GetProperty("effective").GetProperty("idle_timeout_ms").GetInt64());
        await AssertKeyRefusedAsync(secret);
    }

    [Fact]
    public async Task Deleting_an_unknown_customer_is_a_404_and_an_enabled_one_a_409_that_keeps_its_keys_working()
    {
        using (var unknown = await Proxy.Admin.DeleteAsync(new Uri("/admin/v1/customers/offboard-nobody", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("not_found", (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        const string customer = "offboard-enabled";
        var (_, secret) = await Proxy.IssueKeyAsync(customer);
        using (var refused = await Proxy.Admin.DeleteAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        }

        var keys = await Proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customer}/keys", UriKind.Relative));
        Assert.Equal("active", keys.GetProperty("keys")[0].GetProperty("status").GetString());
        var client = await AgentTestClient.ConnectWithHeaderAsync(Proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.ReceiveJsonAsync("Welcome");
            await client.CloseAsync();
        }
    }

    private async Task AssertKeyRefusedAsync(string secret)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Token " + secret);
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(Proxy.AgentUrl(), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);

        var raw = await AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            Proxy.ProxyUrl);
        Assert.Contains("\"error\":\"key_revoked\"", raw, StringComparison.Ordinal);
    }
}
