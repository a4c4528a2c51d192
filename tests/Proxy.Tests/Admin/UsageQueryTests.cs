using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Proxy.Admin;
using Proxy.Billing;

namespace Proxy.Tests.Admin;

public sealed class UsageQueryTests
{
    private static readonly DateOnly Today = new(2026, 12, 7);

    [Fact]
    public void Only_the_customer_is_needed_the_rest_defaults_to_this_month_by_day_as_json()
    {
        var query = Parse("customer=acme");

        Assert.Equal(new UsageQuery("acme", new UsageRange(new DateOnly(2026, 12, 1), Today), UsageGrouping.Day, UsageFormat.Json), query);
    }

    [Fact]
    public void Empty_parameters_count_as_absent()
    {
        Assert.Equal(Parse("customer=acme"), Parse("customer=acme&from=&to=&group_by=&format="));
    }

    [Fact]
    public void Without_from_the_range_starts_on_the_first_of_tos_month()
    {
        Assert.Equal(new UsageRange(new DateOnly(2026, 2, 1), new DateOnly(2026, 2, 28)), Parse("customer=acme&to=2026-02-28").Range);
    }

    [Theory]
    [InlineData("group_by=day&format=json", "Day Json")]
    [InlineData("group_by=key&format=csv", "Key Csv")]
    [InlineData("group_by=model", "Model Json")]
    [InlineData("format=csv&group_by=model", "Model Csv")]
    public void Grouping_and_format_are_read(string parameters, string expected)
    {
        var query = Parse("customer=acme&" + parameters);

        Assert.Equal(expected, $"{query.Grouping} {query.Format}");
    }

    [Theory]
    [InlineData("2026-12-01", "2026-12-01")]
    [InlineData("2026-12-01T00:00:00Z", "2026-12-01")]
    [InlineData("2026-12-01T23:59:59.999Z", "2026-12-01")]
    [InlineData("2026-12-01T23:30:00-05:00", "2026-12-02")]
    [InlineData("2026-12-02T00:30:00+01:00", "2026-12-01")]
    [InlineData("2026-12-01T10:00:00", "2026-12-01")]
    [InlineData("2026-12-01T10:00Z", "2026-12-01")]
    [InlineData("2024-02-29", "2024-02-29")]
    public void A_day_is_a_utc_date_or_the_utc_day_of_an_instant(string text, string day)
    {
        Assert.True(UsageQuery.TryParseDay(text, out var parsed));
        Assert.Equal(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), parsed);
    }

    [Theory]
    [InlineData("2026")]
    [InlineData("1796083200000")]
    [InlineData("2026-13-01")]
    [InlineData("2025-02-29")]
    [InlineData("2026-12-1")]
    [InlineData("12/01/2026")]
    [InlineData("yesterday")]
    [InlineData("2026-12-01 10:00:00Z")]
    [InlineData("2026-12-01Tnoon")]
    [InlineData("1969-12-31T23:00:00Z")]
    public void Anything_else_is_not_a_day(string text)
    {
        Assert.False(UsageQuery.TryParseDay(text, out _));
    }

    [Theory]
    [InlineData("", "missing_customer", "customer")]
    [InlineData("customer=", "missing_customer", "customer")]
    [InlineData("from=2026-12-01", "missing_customer", "customer")]
    [InlineData("customer=bad%7Bid%7D", "invalid_customer_id", "customer id")]
    [InlineData("customer=a&customer=b", "invalid_customer_id", "customer id")]
    [InlineData("customer=acme&from=yesterday", "invalid_from", "from")]
    [InlineData("customer=acme&from=1796083200000", "invalid_from", "from")]
    [InlineData("customer=acme&to=2026-12-32", "invalid_to", "to")]
    [InlineData("customer=acme&from=2026-12-02&to=2026-12-01", "invalid_range", "from (2026-12-02) is after to (2026-12-01)")]
    [InlineData("customer=acme&from=2026-12-08", "invalid_range", "from (2026-12-08) is after to (2026-12-07)")]
    [InlineData("customer=acme&from=2025-01-01&to=2026-02-05", "invalid_range", "401 days")]
    [InlineData("customer=acme&group_by=week", "invalid_group_by", "group_by")]
    [InlineData("customer=acme&group_by=Day", "invalid_group_by", "group_by")]
    [InlineData("customer=acme&format=xlsx", "invalid_format", "format")]
    [InlineData("customer=acme&format=jsonl", "invalid_format", "format")]
    public void Bad_queries_are_refused_naming_the_parameter(string parameters, string error, string named)
    {
        Assert.False(UsageQuery.TryParse(Query(parameters), Today, out var query, out var body));

        Assert.Null(query);
        Assert.Equal(error, body.Error);
        Assert.Contains(named, body.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Four_hundred_days_are_one_report()
    {
        var query = Parse("customer=acme&from=2025-01-01&to=2026-02-04");

        Assert.Equal(UsageRange.MaxDays, query.Range.Days.Count());
    }

    private static UsageQuery Parse(string parameters)
    {
        Assert.True(UsageQuery.TryParse(Query(parameters), Today, out var query, out var error), error?.Message);
        return query;
    }

    private static QueryCollection Query(string parameters) =>
        new(Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(parameters).ToDictionary(p => p.Key, p => p.Value));
}
