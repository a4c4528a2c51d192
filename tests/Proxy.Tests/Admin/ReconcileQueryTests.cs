using Microsoft.AspNetCore.Http;
using Proxy.Admin;
using Proxy.Billing;

namespace Proxy.Tests.Admin;

public sealed class ReconcileQueryTests
{
    private const long Dec1 = 1_796_083_200_000;
    private const long Day = 86_400_000;

    [Fact]
    public void Days_are_inclusive_utc_days()
    {
        var query = Parse("from=2026-12-01&to=2026-12-31&customer=acme");

        Assert.Equal(new ReconcileQuery(new ReconciliationPeriod(Dec1, Dec1 + (31 * Day)), "acme"), query);
    }

    [Fact]
    public void Instants_are_taken_as_they_are_and_without_customer_it_covers_everyone()
    {
        var query = Parse("from=2026-12-01T10:00:00Z&to=2026-12-01T12:00:00%2B01:00");

        Assert.Equal(new ReconcileQuery(new ReconciliationPeriod(Dec1 + (10 * 3_600_000), Dec1 + (11 * 3_600_000)), null), query);
    }

    [Theory]
    [InlineData("to=2026-12-01", "missing_from")]
    [InlineData("from=2026-12-01", "missing_to")]
    [InlineData("from=yesterday&to=2026-12-01", "invalid_from")]
    [InlineData("from=2026-12-01&to=2026-13-01", "invalid_to")]
    [InlineData("from=2026-12-02&to=2026-12-01", "invalid_range")]
    [InlineData("from=2026-12-01T10:00:00Z&to=2026-12-01T10:00:00Z", "invalid_range")]
    [InlineData("from=2026-12-01&to=2027-01-01", "invalid_range")]
    [InlineData("from=2026-12-01&to=2026-12-02&customer=bad%7Bid%7D", "invalid_customer_id")]
    public void Bad_queries_are_refused_naming_the_parameter(string parameters, string error)
    {
        Assert.False(ReconcileQuery.TryParse(Query(parameters), out var query, out var body));

        Assert.Null(query);
        Assert.Equal(error, body.Error);
        Assert.False(string.IsNullOrWhiteSpace(body.Message));
    }

    private static ReconcileQuery Parse(string parameters)
    {
        Assert.True(ReconcileQuery.TryParse(Query(parameters), out var query, out var error), error?.Message);
        return query;
    }

    private static QueryCollection Query(string parameters) =>
        new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(parameters).ToDictionary(p => p.Key, p => p.Value));
}
