using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Sessions;

/// <summary>Admins see live sessions on all instances and close them wherever they run.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class AdminSessionControlTests
{
    private readonly GatewayFixture _gateway;

    public AdminSessionControlTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Live_sessions_of_both_instances_are_listed_and_one_is_closed_from_the_other_instance()
    {
        var admin = _gateway.Proxy;
        var other = await _gateway.ShortTimeoutsProxyAsync();
        var (keyId, secret) = await admin.IssueKeyAsync("admin-live");
        await admin.PatchSettingsAsync("admin-live", new { idle_timeout_ms = 0 });

        var here = await AgentTestClient.ConnectWithHeaderAsync(admin.AgentUrl(), secret);
        var there = await AgentTestClient.ConnectWithHeaderAsync(other.AgentUrl(), secret);
        await using var a = here;
        await using var b = there;
        await here.ReceiveJsonAsync("Welcome");
        var thereRequestId = (await there.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        List<JsonElement> sessions;
        await using (there.StreamAudio(TimeSpan.FromMilliseconds(20)))
        {
            // The other instance's heartbeat (every 1 s) carries its traffic into the record: wait for one that
            // came after some audio, whatever the phase of the heartbeat.
            var deadline = DateTime.UtcNow.AddSeconds(10);
            do
            {
                await Task.Delay(250);
                var live = await admin.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/sessions/live?customer=admin-live", UriKind.Relative));
                sessions = live.GetProperty("sessions").EnumerateArray().ToList();
            }
            while (DateTime.UtcNow < deadline
                && !sessions.Any(s => s.GetProperty("instance_id").GetString() == other.InstanceId && s.GetProperty("bytes_in").GetInt64() > 640 * 10));
        }

        Assert.Equal(2, sessions.Count);
        Assert.Equal(new[] { admin.InstanceId, other.InstanceId }.Order(), sessions.Select(s => s.GetProperty("instance_id").GetString()).Order());
        var remote = sessions.Single(s => s.GetProperty("instance_id").GetString() == other.InstanceId);
        Assert.Equal(keyId, remote.GetProperty("key_id").GetString());
        Assert.Equal(thereRequestId, remote.GetProperty("deepgram_request_id").GetString());
        Assert.True(remote.GetProperty("bytes_in").GetInt64() > 640 * 10, remote.GetRawText());
        Assert.True(remote.GetProperty("idle_ms").GetInt64() < 3000, remote.GetRawText());

        var sessionId = remote.GetProperty("session_id").GetString()!;
        using (var close = await admin.Admin.DeleteAsync(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Accepted, close.StatusCode);
        }

        var seen = await there.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(5));
        Assert.True(seen.Closed);
        Assert.NotNull(seen.First("Error", "SESSION_CLOSED_BY_ADMIN"));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, there.CloseStatus);
        var record = await admin.WaitForClosedRecordByRequestIdAsync("admin-live", thereRequestId);
        Assert.Equal("admin_closed", record.GetProperty("close_reason").GetString());
        Assert.Equal("proxy", record.GetProperty("close_initiator").GetString());

        using (var again = await admin.Admin.DeleteAsync(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        // The session on the admin's own instance is still up.
        var stillLive = await admin.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/sessions/live?customer=admin-live", UriKind.Relative));
        Assert.Single(stillLive.GetProperty("sessions").EnumerateArray());
        await here.CloseAsync();
    }

    [Fact]
    public async Task A_live_session_is_listed_over_all_customers_through_the_live_customers_index_and_leaves_the_list_when_closed()
    {
        const string customer = "admin-live-index";
        var proxy = _gateway.Proxy;
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        await proxy.PatchSettingsAsync(customer, new { idle_timeout_ms = 0 });
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var session = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;

        // Listed without ?customer=, and the index holds the customer at least until the session's lease expires.
        var listed = await WaitForLiveAsync(proxy, customer, expected: 1);
        var leaseExpiry = listed[0].GetProperty("lease_expires_at_ms").GetInt64();
        var indexed = await _gateway.Redis.Database.SortedSetScoreAsync("dgp:live-customers", customer);
        Assert.True(indexed >= leaseExpiry, $"listed in the index until {indexed}, lease until {leaseExpiry}");

        // The list reads the index, not every customer: taken out of it, the session is not listed over all
        // customers (still with ?customer=) until its instance's next heartbeat (every 5 s) lists the customer
        // again. A heartbeat may land between the removal and the read: a few tries.
        var missed = false;
        for (var attempt = 0; attempt < 5 && !missed; attempt++)
        {
            await _gateway.Redis.Database.SortedSetRemoveAsync("dgp:live-customers", customer);
            missed = (await LiveOfAsync(proxy, customer, allCustomers: true)).Count == 0;
        }

        Assert.True(missed, "the all-customers list found the session without its customer in the index");
        Assert.Single(await LiveOfAsync(proxy, customer, allCustomers: false));
        await WaitForLiveAsync(proxy, customer, expected: 1);

        await client.CloseAsync();
        await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId);
        await WaitForLiveAsync(proxy, customer, expected: 0);
    }

    private static async Task<List<JsonElement>> LiveOfAsync(ProxyServer proxy, string customer, bool allCustomers)
    {
        var path = allCustomers ? "/admin/v1/sessions/live" : $"/admin/v1/sessions/live?customer={customer}";
        var live = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative));
        return [.. live.GetProperty("sessions").EnumerateArray().Where(s => s.GetProperty("customer_id").GetString() == customer)];
    }

    private static async Task<List<JsonElement>> WaitForLiveAsync(ProxyServer proxy, string customer, int expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var listed = await LiveOfAsync(proxy, customer, allCustomers: true);
            if (listed.Count == expected)
            {
                return listed;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{listed.Count} live sessions of {customer} listed over all customers, expected {expected}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task All_sessions_of_a_customer_are_closed_on_every_instance()
    {
        var admin = _gateway.Proxy;
        var other = await _gateway.ShortTimeoutsProxyAsync();
        var (_, secret) = await admin.IssueKeyAsync("admin-close-all");
        await admin.PatchSettingsAsync("admin-close-all", new { idle_timeout_ms = 0 });
        var clients = new List<AgentTestClient>();
        foreach (var proxy in new[] { admin, other, other })
        {
            var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
            await client.ReceiveJsonAsync("Welcome");
            clients.Add(client);
        }

        using var close = await admin.Admin.PostAsync(new Uri("/admin/v1/customers/admin-close-all/sessions/close", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Accepted, close.StatusCode);
        Assert.Equal(3, (await close.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("live_sessions").GetInt32());

        foreach (var client in clients)
        {
            var seen = await client.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(5));
            Assert.NotNull(seen.First("Error", "SESSION_CLOSED_BY_ADMIN"));
            await client.DisposeAsync();
        }

        var records = await WaitForClosedAsync(admin, "admin-close-all", 3);
        Assert.All(records, r => Assert.Equal("admin_closed", r.GetProperty("close_reason").GetString()));
    }

    [Fact]
    public async Task Revoking_a_key_with_close_sessions_ends_its_sessions_as_key_revoked_and_spares_other_keys()
    {
        var admin = _gateway.Proxy;
        var other = await _gateway.ShortTimeoutsProxyAsync();
        var (revokedId, revoked) = await admin.IssueKeyAsync("admin-revoke");
        var (_, kept) = await admin.IssueKeyAsync("admin-revoke");
        await admin.PatchSettingsAsync("admin-revoke", new { idle_timeout_ms = 0 });

        var doomed = await AgentTestClient.ConnectWithHeaderAsync(other.AgentUrl(), revoked);
        var spared = await AgentTestClient.ConnectWithHeaderAsync(other.AgentUrl(), kept);
        await using var a = doomed;
        await using var b = spared;
        var doomedRequestId = (await doomed.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await spared.ReceiveJsonAsync("Welcome");

        using (var revoke = await admin.Admin.DeleteAsync(new Uri($"/admin/v1/keys/{revokedId}?close_sessions=true", UriKind.Relative)))
        {
            revoke.EnsureSuccessStatusCode();
        }

        var seen = await doomed.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(5));
        Assert.True(seen.Closed);
        var record = await admin.WaitForClosedRecordByRequestIdAsync("admin-revoke", doomedRequestId);
        Assert.Equal("key_revoked", record.GetProperty("close_reason").GetString());

        var quiet = await spared.ReceiveUntilClosedAsync(TimeSpan.FromMilliseconds(500));
        Assert.False(quiet.Closed);
        await spared.CloseAsync();
    }

    private static async Task<List<JsonElement>> WaitForClosedAsync(ProxyServer proxy, string customerId, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var closed = await proxy.ListSessionsAsync(customerId, "closed");
            if (closed.Length >= count || DateTime.UtcNow > deadline)
            {
                Assert.Equal(count, closed.Length);
                return [.. closed];
            }

            await Task.Delay(50);
        }
    }
}
