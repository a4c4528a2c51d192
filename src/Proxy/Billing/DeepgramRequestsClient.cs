using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Proxy.Billing;

/// <summary>
/// Fetches Deepgram's agent requests of a period from its management API
/// (<c>GET /v1/projects/{id}/requests?endpoint=agent&amp;start&amp;end&amp;limit&amp;page</c>), page by page until a short
/// page. 429 (after its <c>Retry-After</c>), 5xx and network failures are retried with backoff – a read is safe to
/// repeat; a refused key or any other answer fails at once with a message saying what Deepgram answered.
/// </summary>
internal sealed class DeepgramRequestsClient
{
    public const string HttpClientName = DeepgramManagementApi.HttpClientName;

    private const int PageSize = 1000;
    private const int MaxPages = 1000;
    private const int MaxAttempts = 4;
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);

    private readonly IHttpClientFactory _httpClients;
    private readonly IOptionsMonitor<DeepgramOptions> _options;
    private readonly TimeProvider _time;

    public DeepgramRequestsClient(IHttpClientFactory httpClients, IOptionsMonitor<DeepgramOptions> options, TimeProvider time)
    {
        _httpClients = httpClients;
        _options = options;
        _time = time;
    }

    public bool IsConfigured => _options.CurrentValue.IsConfigured;

    /// <summary>Every agent request created in the period (filtered by Deepgram key id when
    /// <paramref name="accessor"/> is given).</summary>
    /// <exception cref="DeepgramRequestsException">Deepgram refused, failed or answered something unreadable.</exception>
    public async Task<IReadOnlyList<DeepgramRequest>> ListAsync(ReconciliationPeriod period, string? accessor, CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var client = _httpClients.CreateClient(HttpClientName);
        var all = new List<DeepgramRequest>();
        for (var page = 0; page < MaxPages; page++)
        {
            var url = PageUrl(options, period, accessor, page);
            var body = await GetAsync(client, url, options, cancellationToken).ConfigureAwait(false);
            if (!DeepgramRequestsParser.TryParse(body, out var requests, out var problem))
            {
                throw new DeepgramRequestsException($"Deepgram's requests list (page {page}) is not in the expected shape: {problem}");
            }

            all.AddRange(requests);
            if (requests.Count < PageSize)
            {
                return all;
            }
        }

        throw new DeepgramRequestsException($"Deepgram's requests list has more than {MaxPages} pages of {PageSize}: reconcile a shorter period.");
    }

    private async Task<byte[]> GetAsync(HttpClient client, Uri url, DeepgramOptions options, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            string failure;
            try
            {
                using var request = DeepgramManagementApi.NewRequest(options, HttpMethod.Get, url);
                using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                }

                var status = (int)response.StatusCode;
                if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                {
                    throw new DeepgramRequestsException($"Deepgram refused Deepgram:ManagementKey ({status}): it needs access to project {_options.CurrentValue.ProjectId}'s usage.");
                }

                if (response.StatusCode != HttpStatusCode.TooManyRequests && status < 500)
                {
                    throw new DeepgramRequestsException($"Deepgram answered {status} to the requests list.");
                }

                failure = $"Deepgram answered {status}";
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException ex)
            {
                failure = $"Deepgram could not be reached ({ex.HttpRequestError})";
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                failure = "Deepgram did not answer in time";
            }

            if (attempt >= MaxAttempts)
            {
                throw new DeepgramRequestsException($"{failure}, {MaxAttempts} times: try again later, or upload the requests list.");
            }

            // Deepgram's Retry-After when it sent one (bounded), else 1 s, 2 s, 4 s.
            var delay = retryAfter is { } after && after > TimeSpan.Zero
                ? (after < MaxRetryAfter ? after : MaxRetryAfter)
                : TimeSpan.FromSeconds(1 << (attempt - 1));
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Uri PageUrl(DeepgramOptions options, ReconciliationPeriod period, string? accessor, int page)
    {
        var query = string.Create(CultureInfo.InvariantCulture,
            $"endpoint=agent&start={Uri.EscapeDataString(period.FromText)}&end={Uri.EscapeDataString(period.ToText)}&limit={PageSize}&page={page}");
        if (accessor is not null)
        {
            query += "&accessor=" + Uri.EscapeDataString(accessor);
        }

        return DeepgramManagementApi.ProjectUrl(options, "requests?" + query);
    }
}

/// <summary>Deepgram's management API refused or failed a request; the message says what to do.</summary>
internal sealed class DeepgramRequestsException(string message) : Exception(message);
