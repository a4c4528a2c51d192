using Proxy.Storage;

namespace Proxy.Admin;

/// <summary>
/// The one place where the admin API answers a storage outage: every endpoint's Redis failure becomes 503
/// <c>storage_unavailable</c> in the API's error shape (instead of a bare 500), so scripts and the console can tell
/// "try again when Redis is back" from a bug. Anything else still fails as the bug it is.
/// </summary>
internal sealed partial class StorageUnavailableFilter : IEndpointFilter
{
    private readonly ILogger<StorageUnavailableFilter> _logger;

    public StorageUnavailableFilter(ILogger<StorageUnavailableFilter> logger)
    {
        _logger = logger;
    }

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (StorageFailures.IsUnavailable(ex))
        {
            var request = context.HttpContext.Request;
            Answered503(_logger, request.Method, request.Path, ex.Message);
            return AdminResults.Error(StatusCodes.Status503ServiceUnavailable, "storage_unavailable",
                "Redis, which stores customers, keys, settings and records, cannot be reached or did not answer in time. Retry when it is back (/readyz answers 200).");
        }
    }

    [LoggerMessage(EventId = 6100, Level = LogLevel.Warning, Message = "Admin {Method} {Path} answered 503 storage_unavailable: {Reason}")]
    private static partial void Answered503(ILogger logger, string method, string path, string reason);
}
