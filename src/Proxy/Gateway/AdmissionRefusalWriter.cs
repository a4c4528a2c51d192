using System.Globalization;
using Proxy.Telemetry;

namespace Proxy.Gateway;

/// <summary>Answers a refused upgrade: logged (key by id), counted by reason, and the JSON error with its headers.</summary>
internal static class AdmissionRefusalWriter
{
    public static Task WriteAsync(HttpContext context, AdmissionRefusal refusal, GatewayServices services)
    {
        GatewayLog.Rejected(services.Logger, context.Connection.RemoteIpAddress, refusal.StatusCode, refusal.Error, refusal.KeyId);
        services.Metrics.AdmissionRejected(AdmissionRejections.ReasonFor(refusal.Error, services.Readiness.IsStopping));
        return WriteResponseAsync(context, refusal);
    }

    /// <summary>The response alone: the refusal's headers (<c>Retry-After</c>, <c>WWW-Authenticate</c> on a 401) and
    /// its JSON error. Also the token grant's answer, which is not an upgrade and is not counted as one.</summary>
    public static Task WriteResponseAsync(HttpContext context, AdmissionRefusal refusal)
    {
        var headers = context.Response.Headers;
        foreach (var (name, value) in refusal.Headers)
        {
            headers[name] = value;
        }

        if (refusal.RetryAfterSeconds is { } seconds)
        {
            headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (refusal.StatusCode == StatusCodes.Status401Unauthorized)
        {
            headers.WWWAuthenticate = "Token";
        }

        return ProxyErrors.WriteAsync(context, refusal.StatusCode, refusal.Error, refusal.Message);
    }
}
