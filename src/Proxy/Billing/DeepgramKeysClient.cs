using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Proxy.Billing;

/// <summary>A key Deepgram created: its id (not a secret) and the key itself (a secret, shown once).</summary>
internal sealed record DeepgramCreatedKey(string ApiKeyId, string Key);

/// <summary>
/// Creates and deletes project keys through Deepgram's keys API (<c>POST /v1/projects/{id}/keys</c>,
/// <c>DELETE /v1/projects/{id}/keys/{key_id}</c>). A customer's key is tagged with its customer id and named in its
/// comment, so the project's key list shows whose it is. Nothing here retries: a create that timed out may have
/// created a key, and repeating it blindly would make a second one.
/// </summary>
internal sealed class DeepgramKeysClient
{
    private readonly IHttpClientFactory _httpClients;
    private readonly IOptionsMonitor<DeepgramOptions> _options;

    public DeepgramKeysClient(IHttpClientFactory httpClients, IOptionsMonitor<DeepgramOptions> options)
    {
        _httpClients = httpClients;
        _options = options;
    }

    public bool IsConfigured => _options.CurrentValue.IsConfigured;

    /// <exception cref="DeepgramManagementException">Not configured, refused, rate limited or failed.</exception>
    public async Task<DeepgramCreatedKey> CreateAsync(string customerId, CancellationToken cancellationToken)
    {
        var options = ConfiguredOptions();
        using var request = DeepgramManagementApi.NewRequest(options, HttpMethod.Post, DeepgramManagementApi.ProjectUrl(options, "keys"));
        request.Content = new ByteArrayContent(CreateBody(customerId, options.EffectiveKeyScopes));
        request.Content.Headers.ContentType = new("application/json");
        var body = await SendAsync(request, "creating a key", notFoundIsFine: false, cancellationToken).ConfigureAwait(false);
        return ParseCreated(body!)
            ?? throw new DeepgramManagementException(DeepgramManagementFailure.Unavailable,
                "Deepgram's answer to creating a key has no api_key_id and key: it is not the keys API's shape.");
    }

    /// <summary>Deletes the key; false when Deepgram no longer has it (deleted before, so the goal is reached).</summary>
    /// <exception cref="DeepgramManagementException">Not configured, refused, rate limited or failed.</exception>
    public async Task<bool> DeleteAsync(string apiKeyId, CancellationToken cancellationToken)
    {
        var options = ConfiguredOptions();
        using var request = DeepgramManagementApi.NewRequest(options, HttpMethod.Delete, DeepgramManagementApi.ProjectUrl(options, "keys/" + Uri.EscapeDataString(apiKeyId)));
        return await SendAsync(request, $"deleting key {apiKeyId}", notFoundIsFine: true, cancellationToken).ConfigureAwait(false) is not null;
    }

    private DeepgramOptions ConfiguredOptions()
    {
        var options = _options.CurrentValue;
        return options.IsConfigured
            ? options
            : throw new DeepgramManagementException(DeepgramManagementFailure.NotConfigured,
                "Deepgram's management API is not configured: set Deepgram:ProjectId and Deepgram:ManagementKey (a key allowed to create and delete the project's keys).");
    }

    /// <summary>The answer's body on success; null for a 404 when <paramref name="notFoundIsFine"/>.</summary>
    private async Task<byte[]?> SendAsync(HttpRequestMessage request, string what, bool notFoundIsFine, CancellationToken cancellationToken)
    {
        var client = _httpClients.CreateClient(DeepgramManagementApi.HttpClientName);
        try
        {
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }

            if (notFoundIsFine && response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }

            var status = (int)response.StatusCode;
            throw response.StatusCode switch
            {
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new DeepgramManagementException(DeepgramManagementFailure.Refused,
                    $"Deepgram refused Deepgram:ManagementKey ({status}) {what}: it needs to create and delete keys of project {_options.CurrentValue.ProjectId} (an owner or admin key)."),
                HttpStatusCode.TooManyRequests => new DeepgramManagementException(DeepgramManagementFailure.RateLimited,
                    $"Deepgram answered 429 (too many requests) {what}: try again later.", RetryAfter(response)),
                _ when status >= 500 => new DeepgramManagementException(DeepgramManagementFailure.Unavailable, $"Deepgram answered {status} {what}: try again later."),
                _ => new DeepgramManagementException(DeepgramManagementFailure.Refused, $"Deepgram answered {status} {what}."),
            };
        }
        catch (HttpRequestException ex)
        {
            throw new DeepgramManagementException(DeepgramManagementFailure.Unavailable, $"Deepgram could not be reached {what} ({ex.HttpRequestError}).");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DeepgramManagementException(DeepgramManagementFailure.Unavailable, $"Deepgram did not answer in time {what}.");
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter?.Delta is { } delta)
        {
            return delta;
        }

        return response.Headers.RetryAfter?.Date is { } date && response.Headers.Date is { } now ? date - now : null;
    }

    private static byte[] CreateBody(string customerId, IReadOnlyList<string> scopes)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("comment", "dgproxy customer " + customerId);
            json.WriteStartArray("scopes");
            foreach (var scope in scopes)
            {
                json.WriteStringValue(scope);
            }

            json.WriteEndArray();
            json.WriteStartArray("tags");
            json.WriteStringValue(customerId);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static DeepgramCreatedKey? ParseCreated(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("api_key_id", out var id) && id.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(id.GetString())
                && root.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(key.GetString())
                ? new DeepgramCreatedKey(id.GetString()!, key.GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
