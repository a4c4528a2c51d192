using System.Globalization;
using System.Net;
using Microsoft.Extensions.Options;

namespace Proxy.Billing;

/// <summary>
/// Fetches Deepgram's agent requests of a period from its management API
/// (<c>GET /v1/projects/{id}/requests?endpoint=agent&amp;start&amp;end&amp;limit&amp;page</c>), page by page until a short
/// page, through the management client (<see cref="DeepgramManagementHttp"/>), whose handler retries 429, 5xx and
/// network failures. What is left when it gives up fails with a message saying what Deepgram answered and what to do.
/// </summary>
internal sealed class DeepgramRequestsClient
{
    public const string HttpClientName = DeepgramManagementApi.HttpClientName;

    private const int PageSize = 1000;
    private const int MaxPages = 1000;

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
        using var request = DeepgramManagementApi.NewRequest(options, HttpMethod.Get, url);
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new DeepgramRequestsException(DeepgramManagementFailure.Unavailable,
                $"Deepgram could not be reached ({ex.HttpRequestError}){Tries(request)}: try again later, or upload the requests list.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeepgramRequestsException(DeepgramManagementFailure.Unavailable,
                $"Deepgram did not answer in time{Tries(request)}: try again later, or upload the requests list.");
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }

            var status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new DeepgramRequestsException(DeepgramManagementFailure.Refused,
                    $"Deepgram refused Deepgram:ManagementKey ({status}): the management key needs access to project {_options.CurrentValue.ProjectId}'s usage.");
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                var retryAfter = DeepgramManagementRetryHandler.RetryAfter(response, _time);
                throw new DeepgramRequestsException(DeepgramManagementFailure.RateLimited,
                    $"Deepgram is rate limiting its management API (429){Tries(request)}: try again "
                    + (retryAfter is { } after ? $"in {Math.Ceiling(after.TotalSeconds):0} s" : "later") + ", or upload the requests list.",
                    retryAfter);
            }

            throw new DeepgramRequestsException(DeepgramManagementFailure.Unavailable,
                status >= 500
                    ? $"Deepgram answered {status}{Tries(request)}: try again later, or upload the requests list."
                    : $"Deepgram answered {status} to the requests list of project {_options.CurrentValue.ProjectId}.");
        }
    }

    private static string Tries(HttpRequestMessage request) =>
        request.Options.TryGetValue(DeepgramManagementRetryHandler.Attempts, out var attempts) && attempts > 1 ? $", {attempts} times" : string.Empty;

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
internal sealed class DeepgramRequestsException(DeepgramManagementFailure failure, string message, TimeSpan? retryAfter = null) : Exception(message)
{
    public DeepgramRequestsException(string message)
        : this(DeepgramManagementFailure.Unavailable, message)
    {
    }

    public DeepgramManagementFailure Failure { get; } = failure;

    /// <summary>When Deepgram said to come back (a 429's <c>Retry-After</c>); null otherwise.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
