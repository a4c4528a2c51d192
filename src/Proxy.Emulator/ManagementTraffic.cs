using System.Collections.Concurrent;

namespace Proxy.Emulator;

/// <summary>
/// The REST endpoints' requests as served (<c>GET /emulator/v1/management-requests</c>), so a test can count a
/// client's attempts and retries; also where <see cref="ManagementFaults"/> cut in, before any endpoint (and so before
/// auth, as a rate limiter or load balancer in front of Deepgram would).
/// </summary>
internal sealed class ManagementTraffic(ManagementFaults faults, TimeProvider time)
{
    private const int Limit = 10_000;

    private readonly ConcurrentQueue<ManagementRequestEntry> _served = new();
    private long _sequence;

    /// <summary>The paths of Deepgram's REST API the emulator serves.</summary>
    public static bool IsManagementPath(PathString path) =>
        path.StartsWithSegments("/v1/projects", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/v1/auth/grant", StringComparison.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var path = request.Path.Value ?? string.Empty;
        var fault = faults.TryTake(request.Method, path);
        if (fault is not null)
        {
            if (fault.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await ManagementErrors.Error(fault.Status, FaultCode(fault.Status), FaultMessage(fault.Status)).ExecuteAsync(context);
        }
        else
        {
            await next(context);
        }

        _served.Enqueue(new ManagementRequestEntry(
            Interlocked.Increment(ref _sequence),
            request.Method,
            path,
            request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty,
            context.Response.StatusCode,
            fault is not null,
            time.GetUtcNow().ToUnixTimeMilliseconds()));
        while (_served.Count > Limit && _served.TryDequeue(out _))
        {
        }
    }

    /// <summary>Every kept entry, oldest first.</summary>
    public ManagementRequestEntry[] Served() => [.. _served];

    public void Clear() => _served.Clear();

    private static string FaultCode(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "INVALID_AUTH",
        StatusCodes.Status403Forbidden => "FORBIDDEN",
        StatusCodes.Status429TooManyRequests => "TOO_MANY_REQUESTS",
        StatusCodes.Status500InternalServerError => "INTERNAL_SERVER_ERROR",
        StatusCodes.Status502BadGateway => "BAD_GATEWAY",
        StatusCodes.Status503ServiceUnavailable => "SERVICE_UNAVAILABLE",
        _ => "REFUSED",
    };

    private static string FaultMessage(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "Invalid credentials.",
        StatusCodes.Status429TooManyRequests => "Too many requests. Please try again later.",
        _ => "Fault injected by the emulator's test hook.",
    };
}

/// <summary>One served REST request: <c>status</c> is what was answered, <c>fault</c> whether a fault rule answered
/// it. <c>seq</c> counts from 1 across clears, so a test can take the entries after a point.</summary>
internal sealed record ManagementRequestEntry(long Seq, string Method, string Path, string Query, int Status, bool Fault, long AtMs);
