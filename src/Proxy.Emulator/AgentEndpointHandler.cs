using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Proxy.Emulator;

/// <summary>The HTTP side of the agent endpoint: upgrade check, Deepgram auth, accept, and the record.</summary>
internal sealed class AgentEndpointHandler(
    ApiKeyAuthenticator authenticator,
    ConnectionStore store,
    IOptions<EmulatorOptions> options,
    TimeProvider timeProvider,
    IHostApplicationLifetime lifetime,
    ILogger<AgentEndpointHandler> logger)
{
    private static readonly HttpError UpgradeRequired = new("UPGRADE_REQUIRED", "This endpoint only accepts WebSocket connections.");
    private static readonly HttpError InvalidAuth = new("INVALID_AUTH", "Invalid credentials.");
    private static readonly HttpError TooManyRequests = new("TOO_MANY_REQUESTS", "Too many concurrent requests.");

    /// <summary>Test hook: the upgrade is answered with this status (400–599) instead of 101, after auth. A query
    /// parameter, so a test drives it through a proxy that forwards the query, one connection at a time.</summary>
    public const string RefuseStatusParameter = "emulator_refuse_status";

    /// <summary>Test hook: the <c>Retry-After</c> value (as given: seconds or an HTTP date) sent with the refusal.</summary>
    public const string RetryAfterParameter = "emulator_retry_after";

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            await WriteErrorAsync(context, StatusCodes.Status426UpgradeRequired, UpgradeRequired);
            return;
        }

        // Kestrel splits every Sec-WebSocket-Protocol line at commas and trims, so "token,<key>", "token, <key>"
        // and separate header lines all arrive as ["token", "<key>"].
        var protocols = context.WebSockets.WebSocketRequestedProtocols.ToArray();
        var auth = authenticator.Authenticate(request, protocols);
        if (!auth.Succeeded)
        {
            if (logger.IsEnabled(LogLevel.Information))
            {
                var fingerprint = KeyFingerprint.Short(auth.KeySha256);
                Log.AuthRejected(logger, request.Path.Value ?? string.Empty, auth.FailureReason, fingerprint);
            }

            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, InvalidAuth);
            return;
        }

        if (RefusalStatus(request) is { } refuseWith)
        {
            if (request.Query[RetryAfterParameter] is [{ } retryAfter])
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }

            Log.UpgradeRefused(logger, request.Path.Value ?? string.Empty, refuseWith);
            await WriteErrorAsync(context, refuseWith, refuseWith == StatusCodes.Status429TooManyRequests ? TooManyRequests : new HttpError("REFUSED", "Refused by the emulator's test hook."));
            return;
        }

        var requestHeaders = CollectHeaders(request.Headers);

        // Both clocks are read as the 101 is about to be written (Kestrel runs OnStarting right before it sends the
        // response headers): that is when an upstream starts billing. Reading them after AcceptWebSocketAsync returns
        // would add the accept's own work, several ms on a cold process.
        var acceptedTimestamp = 0L;
        var openedAt = default(DateTimeOffset);
        context.Response.OnStarting(() =>
        {
            acceptedTimestamp = timeProvider.GetTimestamp();
            openedAt = timeProvider.GetUtcNow();
            return Task.CompletedTask;
        });
        using var socket = await context.WebSockets.AcceptWebSocketAsync(
            new WebSocketAcceptContext { SubProtocol = auth.AcceptedSubprotocol });
        var maskedProtocols = ApiKeyAuthenticator.MaskSecrets(protocols);
        var record = new ConnectionRecord(
            requestId: Guid.NewGuid().ToString(),
            path: request.Path.Value ?? string.Empty,
            query: request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty,
            authMethod: auth.Method,
            apiKeySha256: auth.KeySha256,
            apiKeyId: auth.ApiKeyId,
            credential: auth.Credential,
            requestedProtocols: maskedProtocols,
            requestHeaders: requestHeaders,
            openedAtMs: openedAt.ToUnixTimeMilliseconds(),
            acceptedTimestamp: acceptedTimestamp,
            remotePort: context.Connection.RemotePort);
        store.Add(record);
        var tracked = ConnectionEndTracker.Attach(context, record);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var fingerprint = KeyFingerprint.Short(auth.KeySha256);
            var offered = string.Join(", ", maskedProtocols);
            Log.ConnectionOpened(logger, record.RequestId, request.Path.Value ?? string.Empty, auth.Method, fingerprint, offered);
        }

        await using (var session = new AgentSession(context, socket, record, options.Value, timeProvider, logger))
        {
            try
            {
                await session.RunAsync(lifetime.ApplicationStopping);
            }
            catch (Exception ex)
            {
                // A bug in the session must not leave a half-open socket behind; the record is closed on dispose.
                Log.SessionFailed(logger, record.RequestId, ex);
                context.Abort();
            }
        }

        if (!tracked)
        {
            record.MarkConnectionEnded(timeProvider.GetElapsedTime(record.AcceptedTimestamp), timeProvider.GetUtcNow());
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var ended = record.ToSnapshot();
            Log.ConnectionEnded(logger, ended.RequestId, ended.EndReason, ended.CloseInitiator, ended.CloseStatus, ended.MessagesReceived, ended.MessagesSent);
        }
    }

    private static int? RefusalStatus(HttpRequest request) =>
        request.Query[RefuseStatusParameter] is [{ } text]
            && int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status)
            && status is >= 400 and <= 599
            ? status
            : null;

    private static Dictionary<string, string> CollectHeaders(IHeaderDictionary headers)
    {
        // Both carry the key; the record must never hold it.
        var collected = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            if (!name.Equals(HeaderNames.Authorization, StringComparison.OrdinalIgnoreCase)
                && !name.Equals(HeaderNames.SecWebSocketProtocol, StringComparison.OrdinalIgnoreCase))
            {
                collected[name] = value.ToString();
            }
        }

        return collected;
    }

    private static Task WriteErrorAsync(HttpContext context, int statusCode, HttpError error)
    {
        context.Response.StatusCode = statusCode;
        return context.Response.WriteAsJsonAsync(error, EmulatorJsonContext.Default.HttpError, cancellationToken: context.RequestAborted);
    }
}
