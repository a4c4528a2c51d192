using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Proxy.Admin;

namespace Proxy.Tests.Admin;

public sealed class ListPagingTests
{
    [Fact]
    public void No_limit_means_the_default_page()
    {
        var (limit, error) = ListPaging.ReadLimit(new QueryCollection());
        Assert.Equal(ListPaging.DefaultLimit, limit);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("1000", 1000)]
    public void A_limit_in_range_is_taken(string text, int expected)
    {
        var (limit, error) = ListPaging.ReadLimit(Query(text));
        Assert.Equal(expected, limit);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("-5")]
    [InlineData("ten")]
    [InlineData("")]
    public void A_limit_out_of_range_is_a_400(string text)
    {
        var (_, error) = ListPaging.ReadLimit(Query(text));
        var status = Assert.IsAssignableFrom<IStatusCodeHttpResult>(error);
        Assert.Equal(StatusCodes.Status400BadRequest, status.StatusCode);
    }

    private static QueryCollection Query(string limit) => new(new Dictionary<string, StringValues> { ["limit"] = limit });
}
