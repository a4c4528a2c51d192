using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.ScaleOut;

/// <summary>Two instances on one Redis deployment: records, limits, settings, kills, usage and reaping hold whichever
/// instance a session, a setting or an admin call reaches, with customers spread over every master. Each deployment
/// runs these same scenarios through a class of its own (<c>ClusterTests</c>, <c>SingleRedisTwoInstanceTests</c>).
/// </summary>
public abstract class TwoInstanceSuite
{
    private readonly ITwoInstanceGateway _gateway;

    private protected TwoInstanceSuite(ITwoInstanceGateway gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Every_session_of_customers_on_all_masters_gets_exactly_one_closed_record()
    {
        var customers = await _gateway.CustomersOnEveryMasterAsync("scaleout-spread", perMaster: 8);
        var sessions = await RunSessionsAsync(customers, perInstance: 1);

        var found = 0;
        foreach (var customer in customers)
        {
            var records = await _gateway.First.WaitForClosedRecordsAsync(customer, sessions[customer].Count, TimeSpan.FromSeconds(30));
            Assert.Empty(await _gateway.Second.ListSessionsAsync(customer, "open"));
            var ids = records.Select(r => r.GetProperty("session_id").GetString()!).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.Equal(sessions[customer].Order(), records.Select(r => r.GetProperty("deepgram_request_id").GetString()!).Order());
            Assert.All(records, r => Assert.Equal("client_closed", r.GetProperty("close_reason").GetString()));
            found += records.Length;
        }

        Assert.Equal(customers.Count * 2, found);

        // The billing feed (one stream, on one master) carries each of them once.
        var expected = sessions.Values.SelectMany(s => s).ToHashSet();
        var streamed = await StreamedRequestIdsAsync(expected);
        Assert.Equal(expected.Order(), streamed.Order());
    }

    [Fact]
    public async Task A_customers_limit_of_one_holds_across_both_instances()
    {
        const string customer = "scaleout-limit";
        var (_, secret) = await _gateway.First.IssueKeyAsync(customer);
        await _gateway.First.PatchSettingsAsync(customer, new { max_concurrent_sessions = 1, idle_timeout_ms = 0 });

        var (holder, _) = await AgentTestClient.StartSessionAsync(_gateway.First.AgentUrl(), secret);
        await using (holder)
        {
            var raw = await AdmissionTests.RawUpgradeAsync(
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
                _gateway.Second.ProxyUrl);
            Assert.StartsWith("HTTP/1.1 429", raw, StringComparison.Ordinal);
            await holder.CloseAsync();
        }

        await _gateway.First.WaitForClosedRecordsAsync(customer, 1, TimeSpan.FromSeconds(20));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("Authorization", "Token " + secret);
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                await socket.ConnectAsync(_gateway.Second.AgentUrl(), CancellationToken.None);
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                break;
            }
            catch (WebSocketException) when (socket.HttpStatusCode == HttpStatusCode.TooManyRequests && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [Fact]
    public async Task A_settings_change_and_a_session_kill_on_one_instance_reach_live_sessions_on_the_other()
    {
        const string customer = "scaleout-control";
        var (_, secret) = await _gateway.First.IssueKeyAsync(customer);
        await _gateway.First.PatchSettingsAsync(customer, new { idle_timeout_ms = 0 });

        // Settings: the live session on the second instance takes the new idle timeout.
        var (idle, idleRequestId) = await AgentTestClient.StartSessionAsync(_gateway.Second.AgentUrl(), secret);
        await using (idle)
        {
            await _gateway.First.PatchSettingsAsync(customer, new { idle_timeout_ms = 1000, idle_warning_lead_ms = 0 });
            var seen = await idle.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(15));
            Assert.True(seen.Closed);
        }

        var idleRecord = await _gateway.First.WaitForClosedRecordByRequestIdAsync(customer, idleRequestId);
        Assert.Equal("idle_timeout", idleRecord.GetProperty("close_reason").GetString());

        // Kill: the first instance closes a session the second one carries.
        await _gateway.First.PatchSettingsAsync(customer, new { idle_timeout_ms = 0 });
        var (killed, killedRequestId) = await AgentTestClient.StartSessionAsync(_gateway.Second.AgentUrl(), secret);
        await using (killed)
        {
            var sessionId = (await _gateway.First.WaitForOpenRecordAsync(customer)).GetProperty("session_id").GetString()!;
            using (var close = await _gateway.First.Admin.DeleteAsync(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.Accepted, close.StatusCode);
            }

            var seen = await killed.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(10));
            Assert.True(seen.Closed);
            Assert.NotNull(seen.First("Error", "SESSION_CLOSED_BY_ADMIN"));
        }

        var killedRecord = await _gateway.First.WaitForClosedRecordByRequestIdAsync(customer, killedRequestId);
        Assert.Equal("admin_closed", killedRecord.GetProperty("close_reason").GetString());
    }

    [Fact]
    public async Task Usage_reports_equal_the_sum_of_the_records_for_customers_on_every_master()
    {
        var customers = await _gateway.CustomersOnEveryMasterAsync("scaleout-usage", perMaster: 2);
        var sessions = await RunSessionsAsync(customers, perInstance: 2);
        foreach (var customer in customers)
        {
            var records = await _gateway.Second.WaitForClosedRecordsAsync(customer, sessions[customer].Count, TimeSpan.FromSeconds(30));
            var days = records.Select(r => DateTimeOffset.FromUnixTimeMilliseconds(r.GetProperty("upstream_opened_at_ms").GetInt64()).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Order().ToList();
            var usage = await _gateway.First.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/usage?customer={customer}&from={days[0]}&to={days[^1]}", UriKind.Relative));
            var total = usage.GetProperty("total");
            Assert.Equal(records.Length, total.GetProperty("sessions").GetInt64());
            foreach (var field in new[] { "duration_ms", "billable_ms", "rated_ms", "cost_micros" })
            {
                Assert.Equal(records.Sum(r => r.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0), total.GetProperty(field).GetInt64());
            }
        }
    }

    [Fact]
    public async Task Live_sessions_of_a_killed_instance_on_every_master_are_listed_and_then_reaped_by_the_others()
    {
        var customers = await _gateway.CustomersOnEveryMasterAsync("scaleout-reap", perMaster: 2);
        var doomed = await _gateway.StartProxyAsync();
        try
        {
            var requestIds = new Dictionary<string, string>();
            var clients = new List<AgentTestClient>();
            foreach (var customer in customers)
            {
                var (_, secret) = await _gateway.First.IssueKeyAsync(customer);
                await _gateway.First.PatchSettingsAsync(customer, new { idle_timeout_ms = 0 });
                var (client, requestId) = await AgentTestClient.StartSessionAsync(doomed.AgentUrl(), secret);
                clients.Add(client);
                requestIds[customer] = requestId;
            }

            // The list over all customers reads every master: each of the doomed instance's sessions is on it.
            // The request id reaches the record with the instance's next heartbeat (every second): poll until then.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            while (true)
            {
                var live = await _gateway.Second.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/sessions/live", UriKind.Relative));
                List<string?> listed = [.. live.GetProperty("sessions").EnumerateArray()
                    .Where(s => s.GetProperty("instance_id").GetString() == doomed.InstanceId)
                    .Select(s => s.TryGetProperty("deepgram_request_id", out var id) ? id.GetString() : null)
                    .Order()];
                if (listed.SequenceEqual(requestIds.Values.Order()))
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, $"live list of the doomed instance: {string.Join(", ", listed)}; expected {string.Join(", ", requestIds.Values.Order())}");
                await Task.Delay(200);
            }

            await doomed.Process.KillAsync();
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            // Nobody renews the dead instance's leases: the surviving instances' reaper closes each session once.
            foreach (var customer in customers)
            {
                var records = await _gateway.Second.WaitForClosedRecordsAsync(customer, 1, TimeSpan.FromSeconds(30));
                var record = Assert.Single(records);
                Assert.Equal(requestIds[customer], record.GetProperty("deepgram_request_id").GetString());
                Assert.Equal("orphaned", record.GetProperty("close_reason").GetString());
                Assert.Empty(await _gateway.First.ListSessionsAsync(customer, "open"));
            }
        }
        finally
        {
            await doomed.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_instance_is_in_the_registry_a_killed_one_turns_stale_and_a_stopped_one_leaves()
    {
        var doomed = await _gateway.StartProxyAsync();
        var leaving = await _gateway.StartProxyAsync();
        try
        {
            const string customer = "scaleout-registry";
            var (_, secret) = await _gateway.First.IssueKeyAsync(customer);
            await _gateway.First.PatchSettingsAsync(customer, new { idle_timeout_ms = 0 });
            var (client, _) = await AgentTestClient.StartSessionAsync(_gateway.Second.AgentUrl(), secret);
            await using (client)
            {
                // Each instance writes its entry at start and every heartbeat (1 s here): all four listed, fresh, by
                // id, with the second instance's live session counted.
                var everyone = new[] { _gateway.First, _gateway.Second, doomed, leaving }.Select(p => p.InstanceId).Order(StringComparer.Ordinal).ToList();
                var listed = await WaitForInstancesAsync(_gateway.First, all => everyone.All(id => all.TryGetValue(id, out var e) && !e.GetProperty("stale").GetBoolean())
                    && all[_gateway.Second.InstanceId].GetProperty("live_sessions").GetInt32() >= 1);
                Assert.Equal(everyone, listed.Keys.Where(everyone.Contains));
                Assert.All(everyone, id =>
                {
                    Assert.True(listed[id].GetProperty("ready").GetBoolean(), listed[id].GetRawText());
                    Assert.True(listed[id].GetProperty("redis_connected").GetBoolean(), listed[id].GetRawText());
                    Assert.True(listed[id].GetProperty("last_seen_ms").GetInt64() >= listed[id].GetProperty("started_at_ms").GetInt64(), listed[id].GetRawText());
                });
                await client.CloseAsync();
            }

            // Killed: it stops writing and is shown stale after three of its intervals. Stopped cleanly: it leaves.
            await doomed.Process.KillAsync();
            await leaving.Process.TerminateAsync(TimeSpan.FromSeconds(20));
            var after = await WaitForInstancesAsync(_gateway.Second, all => all.TryGetValue(doomed.InstanceId, out var e) && e.GetProperty("stale").GetBoolean()
                && !all.ContainsKey(leaving.InstanceId));
            Assert.False(after[_gateway.First.InstanceId].GetProperty("stale").GetBoolean());
        }
        finally
        {
            await doomed.DisposeAsync();
            await leaving.DisposeAsync();
        }
    }

    [Fact]
    public async Task Plans_on_every_master_stored_before_the_plan_list_existed_are_listed_once_an_instance_starts()
    {
        // A plan's keys hash by its id's tag, as a customer's do: these ids spread the plans over every master.
        var planIds = await _gateway.CustomersOnEveryMasterAsync("scaleout-plan", perMaster: 2);
        foreach (var planId in planIds)
        {
            using var put = await _gateway.First.Admin.PutAsJsonAsync(new Uri($"/admin/v1/plans/{planId}", UriKind.Relative), new { currency = "USD", per_minute_micros = 1 });
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }

        // As an earlier version left them: the plans, no list. A new instance scans every master for them.
        await _gateway.Database.KeyDeleteAsync("dgp:plan-index");
        await using var started = await _gateway.StartProxyAsync();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var list = await started.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/plans", UriKind.Relative));
            var listed = list.GetProperty("plans").EnumerateArray().Select(p => p.GetProperty("plan_id").GetString()!).ToList();
            if (planIds.All(listed.Contains))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "plans listed: " + string.Join(", ", listed));
            await Task.Delay(200);
        }
    }

    // GET /admin/v1/instances until done holds for the entries by instance id (the list must come sorted by id).
    private static async Task<Dictionary<string, JsonElement>> WaitForInstancesAsync(ProxyServer proxy, Func<Dictionary<string, JsonElement>, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var list = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/instances", UriKind.Relative));
            var entries = list.GetProperty("instances").EnumerateArray().ToList();
            var ids = entries.Select(e => e.GetProperty("instance_id").GetString()!).ToList();
            Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
            var byId = entries.ToDictionary(e => e.GetProperty("instance_id").GetString()!);
            if (done(byId))
            {
                return byId;
            }

            Assert.True(DateTime.UtcNow < deadline, "instances listed: " + list.GetRawText());
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task The_eviction_policy_check_reads_every_master_of_the_cluster()
    {
        var healthy = await _gateway.First.ScrapeUntilAsync(s => s.Has("dgproxy_redis_eviction_policy_ok"));
        Assert.Equal(1, healthy.Sum("dgproxy_redis_eviction_policy_ok"));

        // One master (the last listed, so on a cluster not the one a client asks first) allowed to evict: a new
        // instance sees it.
        var masters = _gateway.Masters;
        Assert.Equal(_gateway.MasterCount, masters.Count);
        await masters[^1].ConfigSetAsync("maxmemory-policy", "allkeys-lru");
        try
        {
            await using var checker = await _gateway.StartProxyAsync();
            var scrape = await checker.ScrapeUntilAsync(s => s.Has("dgproxy_redis_eviction_policy_ok"));
            Assert.Equal(0, scrape.Sum("dgproxy_redis_eviction_policy_ok"));
        }
        finally
        {
            await masters[^1].ConfigSetAsync("maxmemory-policy", "noeviction");
        }
    }

    // Each customer opens perInstance sessions on each instance, one after another, a few customers at a time; a
    // session says something, then the client closes it. Returns the Deepgram request ids by customer.
    private async Task<Dictionary<string, List<string>>> RunSessionsAsync(IReadOnlyList<string> customers, int perInstance)
    {
        var sessions = customers.ToDictionary(c => c, _ => new List<string>());
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(customers.Select(async customer =>
        {
            await gate.WaitAsync();
            try
            {
                var (_, secret) = await _gateway.First.IssueKeyAsync(customer);
                for (var round = 0; round < perInstance; round++)
                {
                    foreach (var proxy in _gateway.Instances)
                    {
                        var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
                        await using (client)
                        {
                            await client.SendBinaryAsync(640);
                            await client.CloseAsync();
                        }

                        sessions[customer].Add(requestId);
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        return sessions;
    }

    // Request ids of the wanted sessions in the records stream, one per entry (a duplicate shows as a repeat).
    private async Task<List<string>> StreamedRequestIdsAsync(HashSet<string> wanted)
    {
        var found = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            found.Clear();
            foreach (var entry in await _gateway.Database.StreamRangeAsync("dgp:records"))
            {
                var requestId = (string?)entry.Values.FirstOrDefault(v => v.Name == "deepgram_request_id").Value;
                if (requestId is not null && wanted.Contains(requestId))
                {
                    found.Add(requestId);
                }
            }

            if (found.Count >= wanted.Count)
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        return found;
    }
}
