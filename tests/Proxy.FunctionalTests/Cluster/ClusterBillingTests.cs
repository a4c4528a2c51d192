using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Billing;
using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;
using Proxy.FunctionalTests.ScaleOut;
using StackExchange.Redis;

namespace Proxy.FunctionalTests.Cluster;

/// <summary>The billing work on a real Redis Cluster with two instances, for customers whose slots are on every
/// master: budgets (refused at admission and closing live sessions by the running cost both instances publish),
/// outcome indicators posted through one instance on a session the other carries, invoices equal to the records and
/// finalized once, and the billing feed (one stream, on one master) carrying each session's versions once.</summary>
public sealed class ClusterBillingTests : IClassFixture<ClusterGatewayFixture>
{
    private readonly ClusterGatewayFixture _gateway;

    public ClusterBillingTests(ClusterGatewayFixture gateway)
    {
        _gateway = gateway;
    }

    private ProxyServer First => _gateway.First;

    private ProxyServer Second => _gateway.Second;

    [Fact]
    public async Task A_close_budget_closes_a_customers_sessions_on_both_instances_by_their_summed_running_cost_on_every_master()
    {
        // 6,000 micros a second: one session alone reaches the budget after 15 s, two together after 7.5 s.
        const long Budget = 90_000;
        await PutPlanAsync(First, "cluster-budget-close-plan", new { currency = "USD", per_minute_micros = 360_000, rounding = "exact_ms" });
        var customers = await CustomersOnEveryMasterAsync("cluster-budget-close", perMaster: 1);
        var before = await ClosesCountedAsync();

        var sessionIds = await Task.WhenAll(customers.Select(async customer =>
        {
            var (_, secret) = await First.IssueKeyAsync(customer);
            await Second.PutCustomerAsync(customer, new { plan = "cluster-budget-close-plan" });
            await First.PatchSettingsAsync(customer, new { monthly_budget_micros = Budget, budget_action = "close", idle_timeout_ms = 0 });

            var (here, hereRequestId) = await AgentTestClient.StartSessionAsync(First.AgentUrl(), secret);
            var (there, thereRequestId) = await AgentTestClient.StartSessionAsync(Second.AgentUrl(), secret);
            int mostRunning;
            await using (here)
            await using (there)
            await using (here.StreamAudio(TimeSpan.FromMilliseconds(20)))
            await using (there.StreamAudio(TimeSpan.FromMilliseconds(20)))
            {
                // Both instances publish their session's running cost into the one hash in the customer's slot.
                var closed = Task.WhenAll(here.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(40)), there.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(40)));
                mostRunning = await MostRunningEntriesAsync(customer, closed);
                var seen = await closed;
                Assert.All(seen, s => Assert.True(s.Closed, $"{customer}: a session was not closed"));
                Assert.All(seen, s => Assert.NotNull(s.First("Error", "SESSION_BUDGET_EXHAUSTED")));
            }

            Assert.Equal(2, mostRunning);
            var running = BudgetRunningKey(customer, DateTime.UtcNow);
            Assert.Equal(_gateway.Cluster.Connection.GetHashSlot(LeasesKey(customer)), _gateway.Cluster.Connection.GetHashSlot(running));

            var records = new[]
            {
                await Second.WaitForClosedRecordByRequestIdAsync(customer, hereRequestId),
                await First.WaitForClosedRecordByRequestIdAsync(customer, thereRequestId),
            };
            Assert.All(records, r => Assert.Equal(("budget_exhausted", "proxy"), (r.GetProperty("close_reason").GetString(), r.GetProperty("close_initiator").GetString())));

            // Together they reached the budget; neither could have alone.
            var costs = records.Select(r => r.GetProperty("cost_micros").GetInt64()).ToList();
            Assert.True(costs.Sum() >= Budget, $"{customer}: {string.Join(", ", costs)}");
            Assert.All(costs, c => Assert.True(c < Budget, $"{customer}: a session alone cost {c}: it was closed by its own cost, not the sum"));

            // The month is spent: the next session is refused on either instance.
            foreach (var proxy in _gateway.Instances)
            {
                var refused = await UpgradeAsync(proxy, secret);
                Assert.StartsWith("HTTP/1.1 402", refused, StringComparison.Ordinal);
                Assert.Contains("\"error\":\"budget_exhausted\"", refused, StringComparison.Ordinal);
            }

            return records.Select(r => r.GetProperty("session_id").GetString()!).ToList();
        }));

        // Each instance counted the close of its own session once.
        var after = await ClosesCountedAsync(atLeast: before + (2 * customers.Count));
        Assert.Equal(2 * customers.Count, after - before);

        var all = sessionIds.SelectMany(s => s).ToList();
        Assert.Equal(all.Select(s => s + "@1").Order(StringComparer.Ordinal), await StreamedVersionsAsync(all, all.Count));
        AssertNoCrossSlotErrors();
    }

    [Fact]
    public async Task A_refuse_budget_spent_on_one_instance_refuses_admission_on_the_other_on_every_master()
    {
        const long Fee = 200_000;
        await PutPlanAsync(Second, "cluster-budget-refuse-plan", new { currency = "USD", per_session_micros = Fee });
        var customers = await CustomersOnEveryMasterAsync("cluster-budget-refuse", perMaster: 1);

        var sessionIds = await Task.WhenAll(customers.Select(async customer =>
        {
            var (_, secret) = await Second.IssueKeyAsync(customer);
            await First.PutCustomerAsync(customer, new { plan = "cluster-budget-refuse-plan" });
            var settings = await Second.PatchSettingsAsync(customer, new { monthly_budget_micros = Fee, idle_timeout_ms = 0 });
            Assert.Equal("refuse", settings.GetProperty("effective").GetProperty("budget_action").GetString());

            // Admitted under the budget on the first instance; its final record spends the whole month.
            var (client, requestId) = await AgentTestClient.StartSessionAsync(First.AgentUrl(), secret);
            await using (client)
            {
                await client.CloseAsync();
            }

            var record = await Second.WaitForClosedRecordByRequestIdAsync(customer, requestId);
            Assert.Equal(Fee, record.GetProperty("cost_micros").GetInt64());

            var refused = await UpgradeAsync(Second, secret);
            Assert.StartsWith("HTTP/1.1 402", refused, StringComparison.Ordinal);
            Assert.Contains("\"error\":\"budget_exhausted\"", refused, StringComparison.Ordinal);
            Assert.Contains($"{Fee} of {Fee} micros", refused, StringComparison.Ordinal);

            // Raised through the first instance: the second admits the next session.
            await First.PatchSettingsAsync(customer, new { monthly_budget_micros = 2 * Fee });
            var (next, nextRequestId) = await AgentTestClient.StartSessionAsync(Second.AgentUrl(), secret);
            await using (next)
            {
                await next.CloseAsync();
            }

            var nextRecord = await First.WaitForClosedRecordByRequestIdAsync(customer, nextRequestId);
            return new[] { record.GetProperty("session_id").GetString()!, nextRecord.GetProperty("session_id").GetString()! };
        }));

        var all = sessionIds.SelectMany(s => s).ToList();
        Assert.Equal(all.Select(s => s + "@1").Order(StringComparer.Ordinal), await StreamedVersionsAsync(all, all.Count));
        AssertNoCrossSlotErrors();
    }

    [Fact]
    public async Task Indicators_posted_through_one_instance_during_and_after_a_call_on_the_other_land_once_on_every_master()
    {
        await PutPlanAsync(First, "cluster-indicator-plan", new
        {
            currency = "USD",
            per_session_micros = 100_000,
            indicators = new { lead_qualified = new { flat_micros = 200_000 }, booked = new { flat_micros = 100_000 } },
        });
        var customers = await CustomersOnEveryMasterAsync("cluster-indicator", perMaster: 1);

        var sessionIds = await Task.WhenAll(customers.Select(async customer =>
        {
            var (_, secret) = await First.IssueKeyAsync(customer);
            await Second.PutCustomerAsync(customer, new { plan = "cluster-indicator-plan" });
            await First.PatchSettingsAsync(customer, new { idle_timeout_ms = 0 });
            var call = "call-" + customer;

            // During the call on the second instance, through the first: stored on the open record, priced once.
            var (client, requestId) = await StartSessionAsync(Second, secret, call);
            string sessionId;
            await using (client)
            {
                await using (client.StreamAudio(TimeSpan.FromMilliseconds(40)))
                {
                    sessionId = (await First.WaitForOpenRecordAsync(customer)).GetProperty("session_id").GetString()!;
                    var created = await PostIndicatorAsync(First, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"lead_qualified","value":1}""");
                    Assert.True(created.Status == HttpStatusCode.Created, $"{created.Status} {created.Body}");
                    Assert.Equal(200_000L, created.Body.GetProperty("fee_micros").GetInt64());
                    Assert.False(created.Body.TryGetProperty("record_version", out _), created.Body.GetRawText());
                    var repeated = await PostIndicatorAsync(First, $"/admin/v1/customers/{customer}/client-sessions/{call}/indicators", """{"name":"lead_qualified","value":1}""");
                    Assert.Equal((HttpStatusCode.OK, sessionId), (repeated.Status, repeated.Body.GetProperty("session_id").GetString()));
                    var conflict = await PostIndicatorAsync(Second, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"lead_qualified","value":2}""");
                    Assert.Equal((HttpStatusCode.Conflict, "indicator_conflict"), (conflict.Status, conflict.Body.GetProperty("error").GetString()));
                }

                await client.CloseAsync();
            }

            // The final record took it and was rated with it: the session fee plus the lead, in version 1.
            var record = await First.WaitForClosedRecordByRequestIdAsync(customer, requestId);
            Assert.Equal((sessionId, 300_000L, 1L), (record.GetProperty("session_id").GetString(), record.GetProperty("cost_micros").GetInt64(), record.GetProperty("record_version").GetInt64()));
            Assert.Equal(200_000L, record.GetProperty("indicators").GetProperty("lead_qualified").GetProperty("fee_micros").GetInt64());

            // After the call, through the first instance: a new version with the booking; the lead again changes nothing.
            var booked = await PostIndicatorAsync(First, $"/admin/v1/customers/{customer}/client-sessions/{call}/indicators", """{"name":"booked","value":1}""");
            Assert.True(booked.Status == HttpStatusCode.Created, $"{booked.Status} {booked.Body}");
            Assert.Equal((100_000L, 2L), (booked.Body.GetProperty("fee_micros").GetInt64(), booked.Body.GetProperty("record_version").GetInt64()));
            var again = await PostIndicatorAsync(Second, $"/admin/v1/sessions/{sessionId}/indicators", """{"name":"lead_qualified","value":1}""");
            Assert.Equal((HttpStatusCode.OK, 200_000L, 2L), (again.Status, again.Body.GetProperty("fee_micros").GetInt64(), again.Body.GetProperty("record_version").GetInt64()));

            var stored = await Second.GetSessionAsync(sessionId);
            Assert.Equal((400_000L, 2L), (stored.GetProperty("cost_micros").GetInt64(), stored.GetProperty("record_version").GetInt64()));
            var fees = stored.GetProperty("cost_parts").GetProperty("indicator_fees");
            Assert.Equal((200_000L, 100_000L), (fees.GetProperty("lead_qualified").GetInt64(), fees.GetProperty("booked").GetInt64()));

            // The day's and the month's usage (in the customer's slot) count each indicator once.
            var day = DateTimeOffset.FromUnixTimeMilliseconds(stored.GetProperty("upstream_opened_at_ms").GetInt64()).UtcDateTime;
            foreach (var key in new[] { $"dgp:{{{customer}}}:usage:{day:yyyy-MM-dd}", $"dgp:{{{customer}}}:usage-month:{day:yyyy-MM}" })
            {
                var usage = (await _gateway.Cluster.Database.HashGetAllAsync(key)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
                Assert.Equal(
                    ("1", "400000", "1", "200000", "1", "100000"),
                    (usage["sessions"], usage["cost_micros"], usage["indicator:lead_qualified:count"], usage["indicator:lead_qualified:fee_micros"], usage["indicator:booked:count"], usage["indicator:booked:fee_micros"]));
            }

            var report = await First.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/usage?customer={customer}&from={day:yyyy-MM-dd}&to={day:yyyy-MM-dd}", UriKind.Relative));
            Assert.Equal((1L, 400_000L), (report.GetProperty("total").GetProperty("sessions").GetInt64(), report.GetProperty("total").GetProperty("cost_micros").GetInt64()));
            var invoice = await JsonAsync(Second, $"/admin/v1/customers/{customer}/invoices/{day:yyyy-MM}");
            Assert.Equal(400_000L, Number(invoice, "total_micros"));
            Assert.Equal(
                ["indicator|booked|indicator|1|100000", "indicator|lead_qualified|indicator|1|200000"],
                invoice.GetProperty("lines").EnumerateArray().Where(l => Text(l, "kind") == "indicator").Select(InvoiceTests.Describe).Order(StringComparer.Ordinal));
            return sessionId;
        }));

        // Version 1 (the final record, with the lead) and version 2 (the booking), each once.
        Assert.Equal(sessionIds.SelectMany(s => new[] { s + "@1", s + "@2" }).Order(StringComparer.Ordinal), await StreamedVersionsAsync(sessionIds, 2 * sessionIds.Length));
        AssertNoCrossSlotErrors();
    }

    [Fact]
    public async Task Invoices_of_customers_on_every_master_equal_their_records_and_a_past_month_is_finalized_once()
    {
        const string Plan = "cluster-invoice-plan";
        const long SessionFee = 200_000;
        await PutPlanAsync(Second, Plan, new { currency = "USD", per_minute_micros = 150_000, per_session_micros = SessionFee, rounding = "ceil_second" });
        var customers = await CustomersOnEveryMasterAsync("cluster-invoice", perMaster: 2);

        var sessionIds = await Task.WhenAll(customers.Select(async customer =>
        {
            var (_, secret) = await First.IssueKeyAsync(customer);
            await Second.PutCustomerAsync(customer, new { plan = Plan });
            await First.PatchSettingsAsync(customer, new { idle_timeout_ms = 0 });
            var requestIds = new List<string>();
            foreach (var proxy in _gateway.Instances)
            {
                var (client, requestId) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
                await using (client)
                {
                    await client.SendBinaryAsync(640);
                    await client.CloseAsync();
                }

                requestIds.Add(requestId);
            }

            var records = new List<JsonElement>();
            foreach (var requestId in requestIds)
            {
                records.Add(await Second.WaitForClosedRecordByRequestIdAsync(customer, requestId));
            }

            var months = records.Select(r => MonthOf(r.GetProperty("upstream_opened_at_ms").GetInt64())).Distinct().ToList();
            var month = Assert.Single(months);

            // The open invoice, read through the other instance, is the sum over the records.
            var invoice = await JsonAsync(First, $"/admin/v1/customers/{customer}/invoices/{month}");
            var cost = records.Sum(r => r.GetProperty("cost_micros").GetInt64());
            var ratedMs = records.Sum(r => r.GetProperty("rated_ms").GetInt64());
            var baseMicros = records.Sum(r => r.GetProperty("cost_parts").GetProperty("base_micros").GetInt64());
            Assert.Equal(("USD", "open", cost, (long)records.Count, ratedMs), (Text(invoice, "currency"), Text(invoice, "status"), Number(invoice, "total_micros"), Number(invoice, "sessions"), Number(invoice, "rated_ms")));
            Assert.Equal(
                [$"usage|{Plan}|1|ms|{ratedMs}|{baseMicros}", $"flat_fee|{Plan}|1|session|{records.Count}|{records.Count * SessionFee}"],
                invoice.GetProperty("lines").EnumerateArray().Select(InvoiceTests.Describe));
            Assert.Equal(cost, invoice.GetProperty("lines").EnumerateArray().Sum(l => Number(l, "amount_micros")));

            // The month still runs: it cannot be finalized (a run that crosses a month's end sees it end: then 200).
            using (var open = await Second.Admin.PostAsync(new Uri($"/admin/v1/customers/{customer}/invoices/{month}/finalize", UriKind.Relative), null))
            {
                if (month == MonthOf(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))
                {
                    Assert.Equal(HttpStatusCode.Conflict, open.StatusCode);
                    Assert.Equal("month_open", (await open.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
                }
            }

            await FinalizePastMonthAsync(customer, Plan);
            return records.Select(r => r.GetProperty("session_id").GetString()!).ToList();
        }));

        var all = sessionIds.SelectMany(s => s).ToList();
        Assert.Equal(all.Select(s => s + "@1").Order(StringComparer.Ordinal), await StreamedVersionsAsync(all, all.Count));
        AssertNoCrossSlotErrors();
    }

    /// <summary>A past month as the finalize script aggregates it, seeded in the customer's slot: finalized through one
    /// instance, the same snapshot through the other after its usage changed (a late indicator), and the change
    /// billed once, as an adjustment on the next month.</summary>
    private async Task FinalizePastMonthAsync(string customer, string plan)
    {
        var (past, next) = (MonthsAgo(3), MonthsAgo(2));
        var db = _gateway.Cluster.Database;
        await db.KeyDeleteAsync([MonthKey(customer, past), MonthKey(customer, next), InvoiceKey(customer, past), InvoiceKey(customer, next)]);
        await db.HashSetAsync(MonthKey(customer, past),
        [
            new("sessions", 2), new("rated_ms", 120_000), new("cost_micros", 700_000), new("currency", "USD"),
            new($"plan:{plan}:1:sessions", 2), new($"plan:{plan}:1:rated_ms", 120_000), new($"plan:{plan}:1:base_micros", 300_000),
            new($"plan:{plan}:1:per_session_micros", 400_000),
        ]);

        var final = await FinalizeAsync(First, customer, past);
        Assert.Equal(("final", 700_000L, 2L), (Text(final, "status"), Number(final, "total_micros"), Number(final, "sessions")));
        Assert.True(Number(final, "finalized_at_ms") > 0);

        await db.HashIncrementAsync(MonthKey(customer, past), "cost_micros", 100_000);
        await db.HashIncrementAsync(MonthKey(customer, past), "indicator:lead_qualified:count", 1);
        await db.HashIncrementAsync(MonthKey(customer, past), "indicator:lead_qualified:fee_micros", 100_000);
        Assert.Equal(final.GetRawText(), (await FinalizeAsync(Second, customer, past)).GetRawText());
        Assert.Equal(final.GetRawText(), (await JsonAsync(First, $"/admin/v1/customers/{customer}/invoices/{past}")).GetRawText());

        var carried = await JsonAsync(Second, $"/admin/v1/customers/{customer}/invoices/{next}");
        var adjustment = Assert.Single(carried.GetProperty("lines").EnumerateArray());
        Assert.Equal(("adjustment", past, "indicator", "lead_qualified", 1L, 100_000L),
            (Text(adjustment, "kind"), Text(adjustment, "adjusts_month"), Text(adjustment, "adjusts_kind"), Text(adjustment, "name"), Number(adjustment, "quantity"), Number(adjustment, "amount_micros")));
        Assert.Equal(100_000L, Number(carried, "total_micros"));
    }

    /// <summary>No script or command of the billing paths (including the budget guard's and the reaper's, which no
    /// response shows) crossed slots: Redis Cluster refuses those, and the instance logs the error.</summary>
    private void AssertNoCrossSlotErrors()
    {
        foreach (var proxy in _gateway.Instances)
        {
            var lines = proxy.Process.Output.ToList();
            Assert.DoesNotContain(lines, l => l.Contains("CROSSSLOT", StringComparison.Ordinal) || l.Contains("non local key", StringComparison.Ordinal));
        }
    }

    // Customers named <prefix>-<n>, chosen so each master owns the slots of perMaster of them.
    private Task<IReadOnlyList<string>> CustomersOnEveryMasterAsync(string prefix, int perMaster) =>
        ((ITwoInstanceGateway)_gateway).CustomersOnEveryMasterAsync(prefix, perMaster);

    /// <summary>The most entries the customer's running-cost hash held at once until <paramref name="until"/> ended.
    /// Polled (each guard check republishes), bounded by <paramref name="until"/>, which has a deadline of its own.</summary>
    private async Task<int> MostRunningEntriesAsync(string customer, Task until)
    {
        var most = 0;
        while (!until.IsCompleted)
        {
            most = Math.Max(most, (int)await _gateway.Cluster.Database.HashLengthAsync(BudgetRunningKey(customer, DateTime.UtcNow)));
            await Task.WhenAny(until, Task.Delay(100));
        }

        return most;
    }

    private async Task<double> ClosesCountedAsync(double atLeast = 0)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var total = 0.0;
            foreach (var proxy in _gateway.Instances)
            {
                total += (await proxy.ScrapeAsync()).Sum("dgproxy_budget_closes_total", "scope=customer");
            }

            if (total >= atLeast || DateTime.UtcNow > deadline)
            {
                return total;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The billing feed's entries of the wanted sessions as <c>session_id@record_version</c>, one per entry (a
    /// duplicate shows as a repeat), once at least <paramref name="expected"/> are there or the deadline passed.</summary>
    private async Task<List<string>> StreamedVersionsAsync(IReadOnlyCollection<string> sessionIds, int expected)
    {
        var wanted = sessionIds.ToHashSet();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var found = new List<string>();
            foreach (var entry in await _gateway.Cluster.Database.StreamRangeAsync("dgp:records"))
            {
                var sessionId = (string?)entry["session_id"];
                if (sessionId is not null && wanted.Contains(sessionId))
                {
                    found.Add($"{sessionId}@{(long)entry["record_version"]}");
                }
            }

            if (found.Count >= expected || DateTime.UtcNow > deadline)
            {
                return [.. found.Order(StringComparer.Ordinal)];
            }

            await Task.Delay(200);
        }
    }

    private static RedisKey LeasesKey(string customer) => $"dgp:{{{customer}}}:leases";

    private static RedisKey BudgetRunningKey(string customer, DateTime at) => $"dgp:{{{customer}}}:budget-running:{at:yyyy-MM}";

    private static RedisKey MonthKey(string customer, string month) => $"dgp:{{{customer}}}:usage-month:{month}";

    private static RedisKey InvoiceKey(string customer, string month) => $"dgp:{{{customer}}}:invoice:{month}";

    private static string MonthsAgo(int months) => DateTime.UtcNow.AddMonths(-months).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static string MonthOf(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static Task<string> UpgradeAsync(ProxyServer proxy, string secret) =>
        AdmissionTests.RawUpgradeAsync(
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n",
            proxy.ProxyUrl);

    private static async Task<(AgentTestClient Client, string RequestId)> StartSessionAsync(ProxyServer proxy, string secret, string clientSessionId)
    {
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret, o => o.SetRequestHeader("X-Client-Session-Id", clientSessionId));
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await client.SendTextAsync(AgentTestClient.SettingsJson());
        await client.ReceiveJsonAsync("SettingsApplied");
        return (client, requestId);
    }

    private static async Task PutPlanAsync(ProxyServer proxy, string planId, object body)
    {
        using var response = await proxy.Admin.PutAsJsonAsync(new Uri($"/admin/v1/plans/{planId}", UriKind.Relative), body);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostIndicatorAsync(ProxyServer proxy, string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await proxy.Admin.PostAsync(new Uri(path, UriKind.Relative), content);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<JsonElement> FinalizeAsync(ProxyServer proxy, string customer, string month)
    {
        using var response = await proxy.Admin.PostAsync(new Uri($"/admin/v1/customers/{customer}/invoices/{month}/finalize", UriKind.Relative), null);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.GetRawText());
        return body;
    }

    private static async Task<JsonElement> JsonAsync(ProxyServer proxy, string path)
    {
        using var response = await proxy.Admin.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.GetRawText());
        return body;
    }

    private static string Text(JsonElement json, string name) => json.GetProperty(name).GetString()!;

    private static long Number(JsonElement json, string name) => json.GetProperty(name).GetInt64();
}
