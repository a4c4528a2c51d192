using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>Tells a storage outage (Redis unreachable, timing out, loading, failing over) from a bug, for the callers
/// that answer differently to each and may not know the Redis client's exception types.</summary>
internal static class StorageFailures
{
    // Errors a healthy Redis gives while it cannot serve for a while: loading its data set at start, a replica or a
    // cluster without its master, a script that blocks the server. Anything else from the server is a bug of ours.
    private static readonly string[] TransientServerErrors = ["LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "NOREPLICAS"];

    public static bool IsUnavailable(Exception exception) => exception switch
    {
        StorageUnavailableException or RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => TransientServerErrors.Any(code => server.Message.StartsWith(code, StringComparison.Ordinal)),
        _ => false,
    };

    /// <summary>A Redis call that failed in any way the client reports (connection, timeout, or an error reply), for
    /// the callers that fall back on every such failure, not only on an outage.</summary>
    public static bool IsRedisFailure(Exception exception) => exception is RedisException or TimeoutException;
}
