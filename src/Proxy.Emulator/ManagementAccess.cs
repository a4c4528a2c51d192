using Microsoft.Extensions.Options;

namespace Proxy.Emulator;

/// <summary>The gate of the project-scoped management endpoints: an API key (never an access token) that is valid,
/// for the emulator's project, with a scope that may manage it.</summary>
internal sealed class ManagementAccess(ApiKeyAuthenticator authenticator, ApiKeyStore keys, IOptions<EmulatorOptions> options)
{
    public string ProjectId => options.Value.ProjectId;

    /// <summary>Null when the request may go on; otherwise the refusal to answer: 401 for missing, unknown, expired
    /// or token credentials, 403 for another project or a key without a management scope.</summary>
    public IResult? Refusal(HttpRequest request, string projectId)
    {
        var auth = authenticator.AuthenticateApiKey(request);
        if (!auth.Succeeded)
        {
            return auth.FailureReason == ApiKeyAuthenticator.TokenNotAccepted
                ? ManagementErrors.Unauthorized("Access tokens are not accepted by the management API: use an API key.")
                : ManagementErrors.Unauthorized();
        }

        // Deepgram answers a project the key has no access to as it answers a missing scope.
        if (!string.Equals(projectId, ProjectId, StringComparison.Ordinal))
        {
            return ManagementErrors.Forbidden();
        }

        return keys.FindById(auth.ApiKeyId) is { CanManage: true } ? null : ManagementErrors.Forbidden();
    }
}
