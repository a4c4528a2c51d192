using System.Text.Json;
using StackExchange.Redis;

namespace Proxy.Storage;

/// <summary>
/// The instances of the deployment as each last described itself (<see cref="RedisKeys.Instances"/>: one hash, instance
/// id → JSON entry; a single key, so it is one slot on a Cluster). Every instance rewrites its own entry every few
/// seconds; readers judge staleness from the entry's own interval. Instants come from the writers' clocks (the
/// registry is a health view, not billing: clocks kept by NTP are far closer than the staleness threshold).
/// </summary>
internal sealed class InstanceRegistryStore
{
    /// <summary>How long after its last write an entry is still listed (as stale): an instance that stopped for good
    /// leaves the list after this.</summary>
    public static readonly TimeSpan DropAfter = TimeSpan.FromMinutes(10);

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;

    public InstanceRegistryStore(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider time)
    {
        _redis = redis;
        _keys = keys;
        _time = time;
    }

    private IDatabase Database => _redis.GetDatabase();

    public Task WriteAsync(InstanceEntry entry) =>
        Database.HashSetAsync(_keys.Instances, entry.InstanceId, JsonSerializer.Serialize(entry, InstanceRegistryJsonContext.Default.InstanceEntry));

    /// <summary>Takes the instance off the list (a clean stop).</summary>
    public Task RemoveAsync(string instanceId) => Database.HashDeleteAsync(_keys.Instances, instanceId);

    /// <summary>Every entry written within <see cref="DropAfter"/>, by instance id (ordinal); older ones, and any that
    /// cannot be read, are deleted on the way.</summary>
    public async Task<IReadOnlyList<InstanceEntry>> ListAsync()
    {
        var db = Database;
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var all = await db.HashGetAllAsync(_keys.Instances).ConfigureAwait(false);
        var listed = new List<InstanceEntry>(all.Length);
        var dropped = new List<RedisValue>();
        foreach (var field in all)
        {
            var entry = Parse(field.Value);
            if (entry is null || nowMs - entry.LastSeenMs > (long)DropAfter.TotalMilliseconds)
            {
                dropped.Add(field.Name);
                continue;
            }

            listed.Add(entry);
        }

        if (dropped.Count > 0)
        {
            // An instance that comes back writes its entry again at its next interval.
            await db.HashDeleteAsync(_keys.Instances, [.. dropped]).ConfigureAwait(false);
        }

        listed.Sort((a, b) => string.CompareOrdinal(a.InstanceId, b.InstanceId));
        return listed;
    }

    private static InstanceEntry? Parse(RedisValue json)
    {
        try
        {
            return JsonSerializer.Deserialize((string?)json ?? "null", InstanceRegistryJsonContext.Default.InstanceEntry);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
