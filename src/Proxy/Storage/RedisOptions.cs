namespace Proxy.Storage;

/// <summary>Binds the <c>Redis</c> configuration section.</summary>
internal sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>A StackExchange.Redis configuration string.</summary>
    public string Configuration { get; set; } = "127.0.0.1:6379";

    /// <summary>Prefix of every key the proxy writes, so several deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "dgp:";
}
