using System.Net.Http.Json;
using System.Text.Json;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>What the tests ask a running proxy through its admin API and <c>/metrics</c>, with assertions and bounded
/// waits (the launcher, <see cref="ProxyServer"/>, is shared with the load comparison).</summary>
internal static class ProxyAdmin
{
    public static async Task<JsonElement> PatchSettingsAsync(this ProxyServer proxy, string customerId, object settings)
    {
        using var response = await proxy.Admin.PatchAsJsonAsync(new Uri($"/admin/v1/customers/{customerId}/settings", UriKind.Relative), settings).ConfigureAwait(false);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
        Assert.True(response.IsSuccessStatusCode, body.GetRawText());
        return body;
    }

    public static async Task<JsonElement> GetSessionAsync(this ProxyServer proxy, string sessionId)
    {
        using var response = await proxy.Admin.GetAsync(new Uri($"/admin/v1/sessions/{sessionId}", UriKind.Relative)).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false);
    }

    /// <summary>The customer's records, newest first.</summary>
    public static async Task<JsonElement[]> ListSessionsAsync(this ProxyServer proxy, string customerId, string? state = null)
    {
        var query = $"/admin/v1/sessions?customer={customerId}" + (state is null ? string.Empty : $"&state={state}");
        var list = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri(query, UriKind.Relative)).ConfigureAwait(false);
        return [.. list.GetProperty("sessions").EnumerateArray()];
    }

    /// <summary>Waits until the customer has a closed record for the given Deepgram request id.</summary>
    public static async Task<JsonElement> WaitForClosedRecordAsync(this ProxyServer proxy, string customerId, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            foreach (var record in await proxy.ListSessionsAsync(customerId, "closed").ConfigureAwait(false))
            {
                if (match(record))
                {
                    return record;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No matching closed record for customer {customerId}.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the customer has at least <paramref name="count"/> closed records; returns them.</summary>
    public static async Task<JsonElement[]> WaitForClosedRecordsAsync(this ProxyServer proxy, string customerId, int count, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var closed = await proxy.ListSessionsAsync(customerId, "closed").ConfigureAwait(false);
            if (closed.Length >= count)
            {
                return closed;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{closed.Length} of {count} sessions of {customerId} were closed within {within}");
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>Walks a paged admin list (<paramref name="path"/> may carry a query already) from its first page,
    /// <paramref name="limit"/> at a time, until <c>next_cursor</c> is null; returns each page's
    /// <paramref name="items"/> array. Fails past <paramref name="maxPages"/> pages instead of looping.</summary>
    public static async Task<List<JsonElement[]>> PagesAsync(this ProxyServer proxy, string path, string items, int limit, int maxPages = 100)
    {
        var pages = new List<JsonElement[]>();
        string? cursor = null;
        do
        {
            var url = $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}limit={limit}" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri(url, UriKind.Relative)).ConfigureAwait(false);
            var next = page.GetProperty("next_cursor");
            pages.Add([.. page.GetProperty(items).EnumerateArray()]);
            cursor = next.ValueKind == JsonValueKind.Null ? null : next.GetString();
            Assert.True(pages.Count <= maxPages, $"{path} gave more than {maxPages} pages");
        }
        while (cursor is not null);

        return pages;
    }

    /// <summary>Scrapes <c>/metrics</c> on the admin port, as Prometheus does (no token).</summary>
    public static async Task<PrometheusSnapshot> ScrapeAsync(this ProxyServer proxy)
    {
        using var scraper = new HttpClient { BaseAddress = proxy.AdminUrl, Timeout = TimeSpan.FromSeconds(10) };
        return PrometheusSnapshot.Parse(await scraper.GetStringAsync("/metrics"));
    }

    /// <summary>Scrapes until <paramref name="done"/> holds (counters move once a record is written, just after the
    /// client sees its Close).</summary>
    public static async Task<PrometheusSnapshot> ScrapeUntilAsync(this ProxyServer proxy, Func<PrometheusSnapshot, bool> done, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var snapshot = await proxy.ScrapeAsync();
            if (done(snapshot) || DateTime.UtcNow > deadline)
            {
                return snapshot;
            }

            await Task.Delay(50);
        }
    }

    public static async Task<JsonElement> InstanceAsync(this ProxyServer proxy)
    {
        return await proxy.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/instance", UriKind.Relative)).ConfigureAwait(false);
    }

    /// <summary>Waits until every spooled record has been replayed into Redis.</summary>
    public static async Task WaitForEmptySpoolAsync(this ProxyServer proxy, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while ((await proxy.InstanceAsync().ConfigureAwait(false)).GetProperty("spool_pending_bytes").GetInt64() > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The spool was not replayed in time.");
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>The customer's one open record (tests that use it open a single session per customer).</summary>
    public static async Task<JsonElement> WaitForOpenRecordAsync(this ProxyServer proxy, string customerId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var open = await proxy.ListSessionsAsync(customerId, "open").ConfigureAwait(false);
            if (open.Length == 1)
            {
                return open[0];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Customer {customerId} has {open.Length} open records, not one.");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    public static Task<JsonElement> WaitForClosedRecordByRequestIdAsync(this ProxyServer proxy, string customerId, string requestId) =>
        proxy.WaitForClosedRecordAsync(customerId, r => r.GetProperty("deepgram_request_id").GetString() == requestId);
}
