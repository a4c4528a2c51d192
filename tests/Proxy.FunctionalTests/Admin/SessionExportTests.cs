using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Admin;

/// <summary>The per-session export of one customer and period, as JSON lines and as CSV, through the admin API.</summary>
[Collection(GatewayTestGroup.Name)]
public sealed class SessionExportTests
{
    private readonly GatewayFixture _gateway;

    public SessionExportTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Json_lines_and_csv_hold_the_same_records_as_the_json_list_oldest_first()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "export-acme";
        var (_, secret) = await proxy.IssueKeyAsync(Customer);
        for (var i = 0; i < 3; i++)
        {
            var (client, _) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
            await using (client)
            {
                await client.CloseAsync();
            }
        }

        var listed = await proxy.WaitForClosedRecordsAsync(Customer, 3, TimeSpan.FromSeconds(15));
        var oldestFirst = listed.OrderBy(r => r.GetProperty("client_opened_at_ms").GetInt64()).ThenBy(r => r.GetProperty("session_id").GetString(), StringComparer.Ordinal).ToList();

        using var jsonl = await proxy.Admin.GetAsync(new Uri($"/admin/v1/sessions?customer={Customer}&format=jsonl", UriKind.Relative));
        Assert.Equal("application/x-ndjson", jsonl.Content.Headers.ContentType?.MediaType);
        var lines = (await jsonl.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(oldestFirst.Select(r => r.GetRawText()), lines.Select(l => JsonDocument.Parse(l).RootElement.GetRawText()));

        using var csv = await proxy.Admin.GetAsync(new Uri($"/admin/v1/sessions?customer={Customer}&format=csv&state=closed", UriKind.Relative));
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var rows = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = rows[0].Split(',');
        Assert.Equal("session_id", header[0]);
        Assert.Contains("cost_micros", header);
        Assert.Equal(4, rows.Length);
        var durationColumn = Array.IndexOf(header, "duration_ms");
        for (var i = 0; i < 3; i++)
        {
            var fields = rows[i + 1].Split(',');
            Assert.Equal(oldestFirst[i].GetProperty("session_id").GetString(), fields[0]);
            Assert.Equal(oldestFirst[i].GetProperty("duration_ms").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), fields[durationColumn]);
        }
    }

    [Fact]
    public async Task Pages_follow_each_other_by_cursor_without_a_gap_or_a_repeat()
    {
        var proxy = _gateway.Proxy;
        const string Customer = "paging-acme";
        var (_, secret) = await proxy.IssueKeyAsync(Customer);
        for (var i = 0; i < 5; i++)
        {
            var (client, _) = await AgentTestClient.StartSessionAsync(proxy.AgentUrl(), secret);
            await using (client)
            {
                await client.CloseAsync();
            }
        }

        var all = (await proxy.WaitForClosedRecordsAsync(Customer, 5, TimeSpan.FromSeconds(15))).Select(r => r.GetProperty("session_id").GetString()).ToHashSet();
        var seen = new List<string?>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri($"/admin/v1/sessions?customer={Customer}&limit=2" + (cursor is null ? string.Empty : "&cursor=" + cursor), UriKind.Relative));
            seen.AddRange(page.GetProperty("sessions").EnumerateArray().Select(r => r.GetProperty("session_id").GetString()));
            cursor = page.GetProperty("next_cursor").ValueKind == JsonValueKind.String ? page.GetProperty("next_cursor").GetString() : null;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Count);
        Assert.Equal(all, seen.ToHashSet());
    }

    [Theory]
    [InlineData("/admin/v1/sessions?customer=paging-acme&cursor=bogus")]
    [InlineData("/admin/v1/sessions?format=csv")]
    [InlineData("/admin/v1/sessions?customer=export-acme&format=xml")]
    public async Task An_export_without_a_customer_or_in_an_unknown_format_is_refused_with_400(string path)
    {
        using var response = await _gateway.Proxy.Admin.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_query", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }
}
