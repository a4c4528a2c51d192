using System.Net;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Options;
using Proxy.Telemetry;

namespace Proxy.Billing;

/// <summary>
/// Retries calls to Deepgram's management API where that is safe (README, "Reconciliation"). Deepgram's 429 means it
/// did not process the request, so any method is tried again after its <c>Retry-After</c> (seconds or an HTTP date);
/// a 500/502/503/504, a network failure or a try that outlives <see cref="DeepgramOptions.RequestTimeout"/> is tried
/// again only for a read or a delete (GET, HEAD, DELETE): a POST may have created something. 401, 403 and every other
/// status are final. Tries are bounded by <see cref="DeepgramOptions.MaxAttempts"/> and the waits between them by
/// <see cref="DeepgramOptions.RetryBudget"/>: a <c>Retry-After</c> that does not fit is not waited for, the caller gets
/// the 429 and says when to come back. Backoff without a <c>Retry-After</c>: 1 s, 2 s, 4 s… each with jitter (half to
/// all of it), so instances retrying together spread out. A request's content must be re-sendable (string or bytes).
/// </summary>
internal sealed partial class DeepgramManagementRetryHandler : DelegatingHandler
{
    /// <summary>How many tries the request took, set on the request for the caller's error message.</summary>
    public static readonly HttpRequestOptionsKey<int> Attempts = new("dgproxy.deepgram.attempts");

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);

    private readonly IOptionsMonitor<DeepgramOptions> _options;
    private readonly TimeProvider _time;
    private readonly ProxyMetrics _metrics;
    private readonly ILogger<DeepgramManagementRetryHandler> _logger;
    private readonly Func<double> _jitter;

    /// <param name="jitter">A number in [0, 1) per backoff; <see cref="Random.Shared"/> unless a test fixes it.</param>
    public DeepgramManagementRetryHandler(
        IOptionsMonitor<DeepgramOptions> options, TimeProvider time, ProxyMetrics metrics, ILogger<DeepgramManagementRetryHandler> logger, Func<double>? jitter = null)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _jitter = jitter ?? Random.Shared.NextDouble;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var safeToRepeat = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Delete;
        var waited = TimeSpan.Zero;
        for (var attempt = 1; ; attempt++)
        {
            request.Options.Set(Attempts, attempt);
            HttpResponseMessage? response = null;
            ExceptionDispatchInfo? failure = null;
            using (var timeout = new CancellationTokenSource(options.RequestTimeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    response = await base.SendAsync(request, linked.Token).ConfigureAwait(false);
                }
                catch (HttpRequestException ex)
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                }
                catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // As HttpClient reports its own timeout: canceled, with a TimeoutException inside.
                    failure = ExceptionDispatchInfo.Capture(new TaskCanceledException(
                        $"Deepgram's management API did not answer within {options.RequestTimeout.TotalSeconds:0.#} s.", new TimeoutException(ex.Message, ex)));
                }
            }

            _metrics.DeepgramManagementRequest(Outcome(response));
            if (response is { IsSuccessStatusCode: true })
            {
                return response;
            }

            TimeSpan? delay = null;
            if (response?.StatusCode == HttpStatusCode.TooManyRequests)
            {
                delay = RetryAfter(response, _time) ?? Backoff(attempt);
            }
            else if (safeToRepeat && (failure is not null || IsTransient(response!.StatusCode)))
            {
                delay = (response is null ? null : RetryAfter(response, _time)) ?? Backoff(attempt);
            }

            var what = response is null ? failure!.SourceException.Message : $"HTTP {(int)response.StatusCode}";
            if (delay is not { } wait || attempt >= options.MaxAttempts || waited + wait > options.RetryBudget)
            {
                if (delay is not null)
                {
                    GaveUp(_logger, request.Method.Method, request.RequestUri?.AbsolutePath, what, attempt);
                }

                failure?.Throw();
                return response!;
            }

            Retrying(_logger, request.Method.Method, request.RequestUri?.AbsolutePath, what, attempt, options.MaxAttempts, (long)wait.TotalMilliseconds);
            response?.Dispose();
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            waited += wait;
        }
    }

    /// <summary>Deepgram's <c>Retry-After</c> as a wait from now (zero for a date in the past); null without one.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date - time.GetUtcNow() is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero,
        _ => null,
    };

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private static string Outcome(HttpResponseMessage? response) => response?.StatusCode switch
    {
        null => ProxyMetrics.ManagementOutcomeFailed,
        HttpStatusCode.TooManyRequests => ProxyMetrics.ManagementOutcomeRateLimited,
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => ProxyMetrics.ManagementOutcomeRefused,
        var status when (int)status >= 500 => ProxyMetrics.ManagementOutcomeServerError,
        var status when (int)status >= 300 => ProxyMetrics.ManagementOutcomeClientError,
        _ => ProxyMetrics.ManagementOutcomeOk,
    };

    // 1 s, 2 s, 4 s… with "equal jitter": half of it fixed, half random.
    private TimeSpan Backoff(int attempt)
    {
        var full = FirstBackoff * (1 << Math.Min(attempt - 1, 10));
        return full / 2 + full / 2 * _jitter();
    }

    [LoggerMessage(EventId = 7652, Level = LogLevel.Information,
        Message = "Deepgram's management API answered {Method} {Path} with {Answer} (try {Attempt} of {MaxAttempts}); trying again in {DelayMs} ms")]
    private static partial void Retrying(ILogger logger, string method, string? path, string answer, int attempt, int maxAttempts, long delayMs);

    [LoggerMessage(EventId = 7653, Level = LogLevel.Warning,
        Message = "Deepgram's management API answered {Method} {Path} with {Answer} after {Attempts} tries; giving up (Deepgram:MaxAttempts or Deepgram:RetryBudget reached)")]
    private static partial void GaveUp(ILogger logger, string method, string? path, string answer, int attempts);
}
