namespace Proxy.Storage;

/// <summary>Lua that sets <c>now</c> to Redis's clock in Unix ms, for scripts that compare or write expiries: every
/// instance then reads one clock (its own could be off). Redis 7 replicates a script's effects, not the script, so
/// TIME before writes is safe.</summary>
internal static class RedisScriptClock
{
    public const string NowMs = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        """;
}
