namespace Proxy.Admin;

/// <summary>How every admin list pages: <c>limit</c> (default <see cref="DefaultLimit"/>, at most
/// <see cref="MaxLimit"/>) and an opaque <c>cursor</c>, the <c>next_cursor</c> of the previous page. Bad values get
/// one 400 <c>invalid_query</c> whichever list it is.</summary>
internal static class ListPaging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The page size asked for, or the 400 that says why it is not one.</summary>
    public static (int Limit, IResult? Error) ReadLimit(IQueryCollection query)
    {
        if (!query.ContainsKey("limit"))
        {
            return (DefaultLimit, null);
        }

        return int.TryParse(query["limit"], out var limit) && limit is >= 1 and <= MaxLimit
            ? (limit, null)
            : (0, AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_query", $"limit must be between 1 and {MaxLimit}."));
    }

    public static IResult CursorError() =>
        AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_query", "cursor is not one this API gave out (next_cursor of a previous page).");
}
