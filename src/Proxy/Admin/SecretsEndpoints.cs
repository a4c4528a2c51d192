using Proxy.Customers;

namespace Proxy.Admin;

/// <summary>Master-key rotation: moves stored Deepgram keys to the current <c>Secrets:MasterKey</c>.</summary>
internal static class SecretsEndpoints
{
    public static RouteGroupBuilder MapSecretsEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapPost("/secrets/re-encrypt", ReEncryptAsync)
            .WithName("ReEncryptUpstreamKeys")
            .WithSummary("Re-encrypts every stored upstream key with the current master key")
            .WithDescription("Run after a master-key rotation, once every instance has the new Secrets:MasterKey (and the old one in Secrets:PreviousMasterKeys). Keys of the first stored format or of a previous master key are rewritten under the current one (compare-and-set: a concurrent PUT or DELETE wins); idempotent. failed names the customers whose key no configured master key opens; those are left as they were.")
            .Produces<UpstreamKeyReEncryptionResult>();
        return admin;
    }

    private static async Task<IResult> ReEncryptAsync(UpstreamKeyReEncryption reEncryption, UpstreamKeyProtector protector, ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var result = await reEncryption.RunAsync(cancellationToken).ConfigureAwait(false);
        var logger = loggers.CreateLogger(typeof(SecretsEndpoints));
        var masterKeyId = protector.CurrentMasterKeyId;
        var failed = result.Failed.Count;
        AdminLog.UpstreamKeysReEncrypted(logger, masterKeyId, result.ReEncrypted, result.AlreadyCurrent, failed);
        return AdminResults.Json(result, AdminJsonContext.Default.UpstreamKeyReEncryptionResult);
    }
}
