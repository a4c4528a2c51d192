using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Emulator;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Admin;

/// <summary>
/// Customers' own Deepgram keys through the real proxy and the emulator's keys API: provision creates a key tagged
/// with the customer that the customer's sessions then present upstream (the emulator logs which key id each connection
/// used); rotate switches new sessions at once and deletes the old key at the emulator only once the session opened
/// before the switch has ended; DELETE falls back to the default key and deletes the provisioned one; a per-customer
/// reconciliation asks Deepgram for that customer's keys' requests only. Each test has its own emulator (its own keys).
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class UpstreamKeyProvisioningTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly GatewayFixture _gateway;
    private readonly string _prefix = $"prov{Guid.NewGuid():N}:";

    public UpstreamKeyProvisioningTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task A_provisioned_key_is_tagged_with_the_customer_and_carries_its_next_session_upstream()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        await using var proxy = await StartProxyAsync(emulator);
        const string customer = "prov-provision";
        var (_, secret) = await proxy.IssueKeyAsync(customer);

        using var provisioned = await PostAsync(proxy, customer, "provision");
        var body = await provisioned.Content.ReadAsStringAsync();
        Assert.True(provisioned.StatusCode == HttpStatusCode.Created, body);
        var keyId = JsonDocument.Parse(body).RootElement.GetProperty("deepgram_key_id").GetString()!;
        Assert.DoesNotContain("\"key\"", body, StringComparison.Ordinal);

        var atDeepgram = await emulator.ManageAsync(HttpMethod.Get, $"{EmulatorManagementClient.KeysPath}/{keyId}");
        Assert.True(atDeepgram.Status == HttpStatusCode.OK, atDeepgram.Text);
        Assert.Contains(customer, atDeepgram.Text, StringComparison.Ordinal);

        var view = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative));
        var upstreamKey = view.GetProperty("upstream_key");
        Assert.Equal(("provisioned", keyId), (upstreamKey.GetProperty("source").GetString(), upstreamKey.GetProperty("deepgram_key_id").GetString()));
        Assert.True(view.GetProperty("has_upstream_key").GetBoolean());

        Assert.Equal(keyId, await SessionKeyIdAsync(proxy, emulator, secret));

        using var again = await PostAsync(proxy, customer, "provision");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("upstream_key_exists", await ErrorAsync(again));
        using var unknown = await PostAsync(proxy, "prov-nobody", "provision");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Rotation_moves_new_sessions_at_once_and_deletes_the_old_key_only_after_the_session_opened_before_it_ends()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        await using var proxy = await StartProxyAsync(emulator);
        const string customer = "prov-rotate";
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        var oldKeyId = await ProvisionAsync(proxy, customer);
        var (live, liveRequestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (live)
        {
            Assert.Equal(oldKeyId, await ConnectionKeyIdAsync(emulator, liveRequestId));

            using var rotated = await PostAsync(proxy, customer, "rotate");
            var body = await rotated.Content.ReadAsStringAsync();
            Assert.True(rotated.StatusCode == HttpStatusCode.OK, body);
            var answer = JsonDocument.Parse(body).RootElement;
            var newKeyId = answer.GetProperty("deepgram_key_id").GetString()!;
            Assert.Equal(oldKeyId, answer.GetProperty("retiring_deepgram_key_id").GetString());
            Assert.NotEqual(oldKeyId, newKeyId);

            Assert.Equal(newKeyId, await SessionKeyIdAsync(proxy, emulator, secret));

            // Well past the grace and many retirement passes: the live session still holds the old key.
            await Task.Delay(Grace + (10 * Interval));
            Assert.Equal(HttpStatusCode.OK, (await KeyAtEmulatorAsync(emulator, oldKeyId)).Status);
            await live.SendBinaryAsync(640);
            await live.ReceiveBinaryAsync(1);
            await live.CloseAsync();
        }

        await proxy.WaitForClosedRecordByRequestIdAsync(customer, liveRequestId);
        Assert.Equal(HttpStatusCode.NotFound, await WaitForKeyGoneAsync(emulator, oldKeyId));
        var view = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative));
        var current = view.GetProperty("upstream_key").GetProperty("deepgram_key_id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await KeyAtEmulatorAsync(emulator, current)).Status);
        var metrics = await proxy.ScrapeUntilAsync(s => s.Sum("dgproxy_deepgram_key_deletions_total", "result=deleted") >= 1);
        Assert.Equal(1, metrics.Sum("dgproxy_deepgram_key_deletions_total", "result=deleted"));
    }

    [Fact]
    public async Task Removing_a_provisioned_key_falls_back_to_the_default_key_and_deletes_it_at_deepgram()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        await using var proxy = await StartProxyAsync(emulator);
        const string customer = "prov-delete";
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        var keyId = await ProvisionAsync(proxy, customer);

        using var cleared = await proxy.Admin.DeleteAsync(new Uri($"/admin/v1/customers/{customer}/upstream-key", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        var view = await cleared.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(JsonValueKind.Null, view.GetProperty("upstream_key").ValueKind);

        Assert.Equal(EmulatorManagementClient.ConfiguredKeyId(EmulatorServer.DefaultApiKey), await SessionKeyIdAsync(proxy, emulator, secret));
        Assert.Equal(HttpStatusCode.NotFound, await WaitForKeyGoneAsync(emulator, keyId));
        using var rotate = await PostAsync(proxy, customer, "rotate");
        Assert.Equal("no_upstream_key", await ErrorAsync(rotate));
    }

    [Fact]
    public async Task Deleting_a_customer_deletes_its_provisioned_key_at_deepgram()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        await using var proxy = await StartProxyAsync(emulator);
        const string customer = "prov-offboard";
        await proxy.PutCustomerAsync(customer);
        var keyId = await ProvisionAsync(proxy, customer);
        await proxy.PutCustomerAsync(customer, new { disabled = true });

        using var deleted = await proxy.Admin.DeleteAsync(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await WaitForKeyGoneAsync(emulator, keyId));
    }

    [Fact]
    public async Task A_customer_reconciliation_asks_deepgram_for_the_requests_of_its_own_keys_only()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        await using var proxy = await StartProxyAsync(emulator);
        const string customer = "prov-reconcile";
        var (_, secret) = await proxy.IssueKeyAsync(customer);
        var (_, otherSecret) = await proxy.IssueKeyAsync("prov-reconcile-other");
        await ProvisionAsync(proxy, customer);
        var sinceMs = (await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative)))
            .GetProperty("upstream_key").GetProperty("since_ms").GetInt64();

        // One session on the customer's key before and one after a rotation, and one of another customer (default key)
        // in the same period: unfiltered, Deepgram's list would hold that one too, "missing in records" for this customer.
        var requestIds = new List<string> { await RunSessionAsync(proxy, customer, secret) };
        await ProvisionOrRotateAsync(proxy, customer);
        requestIds.Add(await RunSessionAsync(proxy, customer, secret));
        await RunSessionAsync(proxy, "prov-reconcile-other", otherSecret);

        var period = $"from={sinceMs}&to={DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 60_000}";
        using var content = new StringContent(string.Empty);
        using var response = await proxy.Admin.PostAsync(new Uri($"/admin/v1/reconcile?{period}&customer={customer}", UriKind.Relative), content);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var report = JsonDocument.Parse(body).RootElement;
        Assert.Equal(2, report.GetProperty("matched").GetInt64());
        Assert.Equal(2, report.GetProperty("deepgram_requests").GetInt64());
        Assert.Equal(0, report.GetProperty("missing_in_records_count").GetInt64());
        Assert.Equal(0, report.GetProperty("missing_at_deepgram_count").GetInt64());
    }

    [Fact]
    public async Task Deepgrams_failures_are_told_apart_in_the_admin_error_shape()
    {
        await using var emulator = await EmulatorServer.StartAsync();
        const string customer = "prov-errors";

        await using (var unconfigured = await ProxyServer.StartAsync(_gateway.Redis.Configuration, emulator.WebSocketUrl, new Dictionary<string, string> { ["Redis:KeyPrefix"] = _prefix }))
        {
            await unconfigured.PutCustomerAsync(customer);
            using var notConfigured = await PostAsync(unconfigured, customer, "provision");
            Assert.Equal(HttpStatusCode.NotImplemented, notConfigured.StatusCode);
            Assert.Equal("deepgram_management_not_configured", await ErrorAsync(notConfigured));
        }

        await using (var refusedProxy = await StartProxyAsync(emulator, managementKey: "not-a-deepgram-key"))
        {
            using var refused = await PostAsync(refusedProxy, customer, "provision");
            Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
            Assert.Equal("deepgram_management_refused", await ErrorAsync(refused));
        }

        // A Retry-After beyond Deepgram:RetryBudget (30 s) is not waited for: the 429 comes back at once.
        await using var proxy = await StartProxyAsync(emulator);
        await emulator.SendAsync(HttpMethod.Post, "/emulator/v1/management-faults", null, """{"status":429,"retry_after_seconds":120,"path_contains":"/keys"}""");
        using (var limited = await PostAsync(proxy, customer, "provision"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, limited.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(120), limited.Headers.RetryAfter?.Delta);
            Assert.Equal("deepgram_rate_limited", await ErrorAsync(limited));
        }

        await emulator.SendAsync(HttpMethod.Post, "/emulator/v1/management-faults", null, """{"status":500,"path_contains":"/keys"}""");
        using (var failed = await PostAsync(proxy, customer, "provision"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
            Assert.Equal("deepgram_unavailable", await ErrorAsync(failed));
        }

        // None of the refused or failed calls left a key or a stored Deepgram key behind.
        var keys = await emulator.ManageAsync(HttpMethod.Get, EmulatorManagementClient.KeysPath);
        Assert.DoesNotContain(customer, keys.Text, StringComparison.Ordinal);
        var view = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/customers/{customer}", UriKind.Relative));
        Assert.False(view.GetProperty("has_upstream_key").GetBoolean());
    }

    private Task<ProxyServer> StartProxyAsync(EmulatorServer emulator, string managementKey = EmulatorServer.DefaultApiKey) =>
        ProxyServer.StartAsync(_gateway.Redis.Configuration, emulator.WebSocketUrl, new Dictionary<string, string>
        {
            ["Deepgram:ApiUrl"] = emulator.BaseUrl.ToString(),
            ["Deepgram:ProjectId"] = EmulatorManagementClient.ProjectId,
            ["Deepgram:ManagementKey"] = managementKey,
            ["Deepgram:KeyRetirementInterval"] = Interval.ToString("c", CultureInfo.InvariantCulture),
            ["Deepgram:KeyRetirementGrace"] = Grace.ToString("c", CultureInfo.InvariantCulture),

            // Its own keys in the shared Redis: no other test's proxy (with another emulator) takes its retirement job.
            ["Redis:KeyPrefix"] = _prefix,
        });

    private static Task<HttpResponseMessage> PostAsync(ProxyServer proxy, string customer, string action) =>
        proxy.Admin.PostAsync(new Uri($"/admin/v1/customers/{customer}/upstream-key/{action}", UriKind.Relative), null);

    private static async Task<string> ProvisionAsync(ProxyServer proxy, string customer)
    {
        using var response = await PostAsync(proxy, customer, "provision");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("deepgram_key_id").GetString()!;
    }

    private static async Task ProvisionOrRotateAsync(ProxyServer proxy, string customer)
    {
        using var response = await PostAsync(proxy, customer, "rotate");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<string?> ErrorAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();

    /// <summary>Runs one session through the proxy and answers the Deepgram key id the emulator saw it present.</summary>
    private static async Task<string> SessionKeyIdAsync(ProxyServer proxy, EmulatorServer emulator, string secret)
    {
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.CloseAsync();
        }

        return (await emulator.WaitForClosedConnectionAsync(requestId)).GetProperty("api_key_id").GetString()!;
    }

    private static async Task<string> RunSessionAsync(ProxyServer proxy, string customer, string secret)
    {
        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
        await using (client)
        {
            await client.CloseAsync();
        }

        await proxy.WaitForClosedRecordByRequestIdAsync(customer, requestId);
        return requestId;
    }

    private static async Task<string> ConnectionKeyIdAsync(EmulatorServer emulator, string requestId) =>
        (await emulator.Api.GetFromJsonAsync<JsonElement>($"/emulator/v1/connections/{requestId}")).GetProperty("api_key_id").GetString()!;

    private static Task<EmulatorManagementClient.Answer> KeyAtEmulatorAsync(EmulatorServer emulator, string keyId) =>
        emulator.ManageAsync(HttpMethod.Get, $"{EmulatorManagementClient.KeysPath}/{keyId}");

    /// <summary>Polls the emulator's key until it answers 404 or a bounded deadline passes; returns the last status.</summary>
    private static async Task<HttpStatusCode> WaitForKeyGoneAsync(EmulatorServer emulator, string keyId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var status = (await KeyAtEmulatorAsync(emulator, keyId)).Status;
            if (status == HttpStatusCode.NotFound || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(100);
        }
    }
}
