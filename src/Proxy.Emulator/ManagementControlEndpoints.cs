using System.Text.Json;

namespace Proxy.Emulator;

/// <summary>The test hooks of the REST API, beside the connection log under <c>/emulator/v1</c>: fault rules
/// (<c>management-faults</c>) and the log of served requests (<c>management-requests</c>).</summary>
internal static class ManagementControlEndpoints
{
    private const int MaxCount = 10_000;

    public static IEndpointRouteBuilder MapManagementControlEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var faults = endpoints.MapGroup("/emulator/v1/management-faults");
        faults.MapPost("/", AddFaultAsync);
        faults.MapGet("/", (ManagementFaults rules) => TypedResults.Json(rules.Pending(), ManagementJsonContext.Default.ManagementFaultArray));
        faults.MapDelete("/", (ManagementFaults rules) =>
        {
            rules.Clear();
            return TypedResults.NoContent();
        });

        var served = endpoints.MapGroup("/emulator/v1/management-requests");
        served.MapGet("/", (ManagementTraffic traffic) => TypedResults.Json(traffic.Served(), ManagementJsonContext.Default.ManagementRequestEntryArray));
        served.MapDelete("/", (ManagementTraffic traffic) =>
        {
            traffic.Clear();
            return TypedResults.NoContent();
        });
        return endpoints;
    }

    private static async Task<IResult> AddFaultAsync(HttpRequest request, ManagementFaults rules)
    {
        ManagementFault? fault;
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            fault = Read(body.RootElement);
        }
        catch (JsonException)
        {
            fault = null;
        }

        if (fault is null)
        {
            return ManagementErrors.BadBody(
                $"Expected {{\"status\":400-599,\"count\":1-{MaxCount} (default 1),\"retry_after_seconds\":0+?,\"path_contains\":\"...\"?,\"method\":\"GET\"?}}.");
        }

        rules.Add(fault);
        return TypedResults.Json(fault, ManagementJsonContext.Default.ManagementFault, statusCode: StatusCodes.Status201Created);
    }

    private static ManagementFault? Read(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object
            || !TryInt(body, "status", 400, 599, out var status) || status is null
            || !TryInt(body, "count", 1, MaxCount, out var count)
            || !TryInt(body, "retry_after_seconds", 0, int.MaxValue, out var retryAfter)
            || !TryString(body, "path_contains", out var pathContains)
            || !TryString(body, "method", out var method))
        {
            return null;
        }

        return new ManagementFault(status.Value, count ?? 1, retryAfter, pathContains, method);
    }

    /// <summary>False for a present value that is not a whole number in range; an absent or null one reads as null.</summary>
    private static bool TryInt(JsonElement body, string name, int min, int max, out int? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var number) || number < min || number > max)
        {
            return false;
        }

        value = number;
        return true;
    }

    private static bool TryString(JsonElement body, string name, out string? value)
    {
        value = null;
        if (!body.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(element.GetString()))
        {
            return false;
        }

        value = element.GetString();
        return true;
    }
}
