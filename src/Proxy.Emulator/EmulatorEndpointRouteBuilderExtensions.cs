namespace Proxy.Emulator;

internal static class EmulatorEndpointRouteBuilderExtensions
{
    /// <summary>Deepgram's current path and the older one; SDKs differ in which they use.</summary>
    private static readonly string[] AgentPaths = ["/v1/agent/converse", "/agent"];

    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder endpoints)
    {
        foreach (var path in AgentPaths)
        {
            // Map, not MapGet: WebSockets over HTTP/2 arrive as CONNECT.
            endpoints.Map(path, context => context.RequestServices.GetRequiredService<AgentEndpointHandler>().HandleAsync(context));
        }

        return endpoints;
    }

    public static IEndpointRouteBuilder MapConnectionEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var connections = endpoints.MapGroup("/emulator/v1/connections");
        connections.MapGet("/", (ConnectionStore store) =>
            TypedResults.Json(store.Snapshot(), EmulatorJsonContext.Default.ConnectionSnapshotArray));
        connections.MapGet("/{requestId}", (string requestId, ConnectionStore store) =>
            store.Find(requestId) is { } record
                ? TypedResults.Json(record.ToSnapshot(), EmulatorJsonContext.Default.ConnectionSnapshot)
                : (IResult)TypedResults.Json(
                    new HttpError("NOT_FOUND", "No connection with this request_id is kept."),
                    EmulatorJsonContext.Default.HttpError,
                    statusCode: StatusCodes.Status404NotFound));
        return endpoints;
    }
}
