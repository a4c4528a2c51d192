namespace Proxy.Admin;

/// <summary>
/// Writes the audit log: after an endpoint ran, one entry for every request that passed authentication and is not a
/// read (GET, HEAD) – the refused ones too (403 for role read, 4xx, 503 storage_unavailable, 500), with the status
/// they got. Outermost of the admin filters, so it sees what the authorization filter refused. An entry Redis does
/// not take is logged in full at Error (and counted), so no change goes unrecorded; the answer stays as it was.
/// </summary>
internal sealed class AdminAuditFilter : IEndpointFilter
{
    private readonly AuditLogStore _store;
    private readonly TimeProvider _time;
    private readonly AdminMetrics _metrics;
    private readonly ILogger<AdminAuditFilter> _logger;

    public AdminAuditFilter(AuditLogStore store, TimeProvider time, AdminMetrics metrics, ILogger<AdminAuditFilter> logger)
    {
        _store = store;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        object? result;
        try
        {
            result = await next(context).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await RecordAsync(http, StatusCodes.Status500InternalServerError).ConfigureAwait(false);
            throw;
        }

        await RecordAsync(http, StatusOf(result, http)).ConfigureAwait(false);
        return result;
    }

    /// <summary>The status the result will be answered with: its own, else what the pipeline set (a parameter that
    /// failed to bind sets 400 and returns an empty result), else 200.</summary>
    internal static int StatusOf(object? result, HttpContext http) =>
        result is IStatusCodeHttpResult { StatusCode: { } status } ? status : http.Response.StatusCode;

    private async Task RecordAsync(HttpContext http, int status)
    {
        if (AdminRoles.IsReadOnly(http.Request.Method) || AdminIdentity.Of(http) is not { } identity)
        {
            return;
        }

        var entry = AuditEntry.For(http, identity, status, _time);
        try
        {
            await _store.AppendAsync(entry).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Whatever kept the entry from Redis, the change was made: log it and answer as is.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _metrics.AuditWriteFailed();
            AdminLog.AuditWriteFailed(_logger, entry.AtMs, entry.At, entry.Actor, entry.Role.Name(), entry.Method, entry.Path, entry.Route, entry.Status, ex.Message);
        }
    }
}
