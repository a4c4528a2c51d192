using Microsoft.AspNetCore.Http.HttpResults;

namespace Proxy.Emulator;

/// <summary>Deepgram's JSON error answers of the REST endpoints (<c>{"err_code","err_msg"}</c>).</summary>
internal static class ManagementErrors
{
    public static JsonHttpResult<HttpError> Unauthorized(string message = "Invalid credentials.") =>
        Error(StatusCodes.Status401Unauthorized, "INVALID_AUTH", message);

    /// <summary>What Deepgram answers a key without access to the project, or without the scope for the action.</summary>
    public static JsonHttpResult<HttpError> Forbidden() =>
        Error(StatusCodes.Status403Forbidden, "FORBIDDEN", "Your account does not have the required scope to perform that action for this project.");

    public static JsonHttpResult<HttpError> NotFound(string message) => Error(StatusCodes.Status404NotFound, "NOT_FOUND", message);

    public static JsonHttpResult<HttpError> BadQuery(string message) => Error(StatusCodes.Status400BadRequest, "INVALID_QUERY_PARAMETER", message);

    public static JsonHttpResult<HttpError> BadBody(string message) => Error(StatusCodes.Status400BadRequest, "INVALID_REQUEST_BODY", message);

    public static JsonHttpResult<HttpError> Error(int status, string code, string message) =>
        TypedResults.Json(new HttpError(code, message), EmulatorJsonContext.Default.HttpError, statusCode: status);
}
