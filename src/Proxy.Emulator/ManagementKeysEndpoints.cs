using System.Text.Json;

namespace Proxy.Emulator;

/// <summary>
/// Deepgram's keys API for the emulator's project, in the shapes of the official SDK's types
/// (<c>client.manage.v1.projects.keys.create/list/get/delete</c>): create, list (<c>status=active|expired</c>), get and
/// delete. A created key opens agent sessions and grants tokens at once; a deleted or expired one is refused on new
/// connections (live ones go on). Only keys with scope <c>admin</c> or <c>owner</c> may call these.
/// </summary>
internal static class ManagementKeysEndpoints
{
    /// <summary>The one member every key belongs to (the emulator has no users).</summary>
    private const string MemberId = "emulator-member";
    private const string MemberEmail = "emulator@localhost";
    private const string UnknownKeyMessage = "No API key with this id in the project.";
    private static readonly string[] DefaultScopes = ["member"];

    public static IEndpointRouteBuilder MapManagementKeys(this IEndpointRouteBuilder endpoints)
    {
        var keys = endpoints.MapGroup("/v1/projects/{projectId}/keys");
        keys.MapPost("/", CreateAsync);
        keys.MapGet("/", List);
        keys.MapGet("/{keyId}", Get);
        keys.MapDelete("/{keyId}", Delete);
        return endpoints;
    }

    private static async Task<IResult> CreateAsync(string projectId, HttpRequest request, ManagementAccess access, ApiKeyStore keys, TimeProvider time)
    {
        if (access.Refusal(request, projectId) is { } refusal)
        {
            return refusal;
        }

        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return ManagementErrors.BadBody("The body must be a JSON object {\"comment\",\"scopes\",\"tags\",\"time_to_live_in_seconds\"|\"expiration_date\"}.");
        }

        using (body)
        {
            var now = time.GetUtcNow();
            if (CreateRequestProblem(body.RootElement, now) is { } problem)
            {
                return ManagementErrors.BadBody(problem);
            }

            var create = ReadCreateRequest(body.RootElement, now);
            var (key, secret) = keys.Create(create.Comment, create.Scopes, create.Tags, now, create.ExpiresAt);
            return TypedResults.Json(
                new CreatedKey(key.ApiKeyId, secret, key.Comment, key.Scopes, key.Tags, Expiration(key)),
                ManagementJsonContext.Default.CreatedKey);
        }
    }

    private static IResult List(string projectId, HttpRequest request, ManagementAccess access, ApiKeyStore keys, TimeProvider time)
    {
        if (access.Refusal(request, projectId) is { } refusal)
        {
            return refusal;
        }

        var status = request.Query["status"].ToString();
        if (status is not ("" or "active" or "expired"))
        {
            return ManagementErrors.BadQuery("status must be active or expired.");
        }

        var now = time.GetUtcNow();
        var listed = keys.List()
            .Where(k => status.Length == 0 || k.IsActiveAt(now) == (status == "active"))
            .Select(k => new KeyListItem(new KeyMember(MemberId, MemberEmail), Details(k)))
            .ToList();
        return TypedResults.Json(new KeyList(listed), ManagementJsonContext.Default.KeyList);
    }

    private static IResult Get(string projectId, string keyId, HttpRequest request, ManagementAccess access, ApiKeyStore keys)
    {
        if (access.Refusal(request, projectId) is { } refusal)
        {
            return refusal;
        }

        if (keys.FindById(keyId) is not { } key)
        {
            return ManagementErrors.NotFound(UnknownKeyMessage);
        }

        return TypedResults.Json(
            new KeyGet(new KeyItem(new KeyMember(MemberId, MemberEmail, "Emulator", "Member", Details(key)))),
            ManagementJsonContext.Default.KeyGet);
    }

    private static IResult Delete(string projectId, string keyId, HttpRequest request, ManagementAccess access, ApiKeyStore keys)
    {
        if (access.Refusal(request, projectId) is { } refusal)
        {
            return refusal;
        }

        if (!keys.Delete(keyId))
        {
            return ManagementErrors.NotFound(UnknownKeyMessage);
        }

        return TypedResults.Json(new KeyDeleted("Successfully deleted the API key!"), ManagementJsonContext.Default.KeyDeleted);
    }

    private static KeyDetails Details(EmulatorKey key) =>
        new(key.ApiKeyId, key.Comment, key.Scopes, key.Tags, Expiration(key), DeepgramTime.Format(key.Created));

    private static string? Expiration(EmulatorKey key) => key.ExpiresAt is { } at ? DeepgramTime.Format(at) : null;

    /// <summary>A create body that <see cref="CreateRequestProblem"/> accepted.</summary>
    private static CreateKeyRequest ReadCreateRequest(JsonElement body, DateTimeOffset now) => new(
        body.GetProperty("comment").GetString()!,
        body.TryGetProperty("scopes", out var scopes) ? Strings(scopes) : DefaultScopes,
        body.TryGetProperty("tags", out var tags) ? Strings(tags) : [],
        ExpiresAt(body, now));

    /// <summary>What is wrong with a create body, or null when it is acceptable.</summary>
    private static string? CreateRequestProblem(JsonElement body, DateTimeOffset now)
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return "The body must be a JSON object.";
        }

        if (!body.TryGetProperty("comment", out var comment) || comment.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(comment.GetString()))
        {
            return "comment is required: a non-empty string.";
        }

        if (body.TryGetProperty("scopes", out var scopes) && (!IsStringArray(scopes) || scopes.GetArrayLength() == 0))
        {
            return "scopes must be a non-empty array of non-empty strings (omitted: [\"member\"]).";
        }

        if (body.TryGetProperty("tags", out var tags) && !IsStringArray(tags))
        {
            return "tags must be an array of non-empty strings.";
        }

        var hasTtl = body.TryGetProperty("time_to_live_in_seconds", out var ttl);
        var hasDate = body.TryGetProperty("expiration_date", out var date);
        if (hasTtl && hasDate)
        {
            return "Give time_to_live_in_seconds or expiration_date, not both.";
        }

        if (hasTtl && (ttl.ValueKind != JsonValueKind.Number || !ttl.TryGetInt32(out var seconds) || seconds < 1))
        {
            return "time_to_live_in_seconds must be a positive whole number.";
        }

        if (hasDate && (date.ValueKind != JsonValueKind.String || !DeepgramTime.TryParse(date.GetString()!, out var at) || at <= now))
        {
            return "expiration_date must be a date or ISO-8601 instant in the future.";
        }

        return null;
    }

    private static DateTimeOffset? ExpiresAt(JsonElement body, DateTimeOffset now)
    {
        if (body.TryGetProperty("time_to_live_in_seconds", out var ttl))
        {
            return now.AddSeconds(ttl.GetInt32());
        }

        return body.TryGetProperty("expiration_date", out var date) && DeepgramTime.TryParse(date.GetString()!, out var at) ? at : null;
    }

    private static bool IsStringArray(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array
        && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(e.GetString()));

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private sealed record CreateKeyRequest(string Comment, IReadOnlyList<string> Scopes, IReadOnlyList<string> Tags, DateTimeOffset? ExpiresAt);
}

internal sealed record CreatedKey(string ApiKeyId, string Key, string Comment, IReadOnlyList<string> Scopes, IReadOnlyList<string> Tags, string? ExpirationDate);

internal sealed record KeyList(IReadOnlyList<KeyListItem> ApiKeys);

internal sealed record KeyListItem(KeyMember Member, KeyDetails ApiKey);

internal sealed record KeyGet(KeyItem Item);

internal sealed record KeyItem(KeyMember Member);

/// <summary>A key's member: <c>{member_id,email}</c> in a list, with names and the key itself in a get.</summary>
internal sealed record KeyMember(string MemberId, string Email, string? FirstName = null, string? LastName = null, KeyDetails? ApiKey = null);

internal sealed record KeyDetails(string ApiKeyId, string Comment, IReadOnlyList<string> Scopes, IReadOnlyList<string> Tags, string? ExpirationDate, string Created);

internal sealed record KeyDeleted(string Message);
