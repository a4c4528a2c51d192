using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Proxy.Tunnel;
using Proxy.Runtime;
using Proxy.Sessions;
using Proxy.Storage;

namespace Proxy.Admin;

/// <summary>What this instance is and which configuration files it actually read; every instance of the deployment
/// as the instance registry shows it.</summary>
internal static class InstanceEndpoints
{
    public static RouteGroupBuilder MapInstanceEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/instance", (ProxyInstance instance, IHostEnvironment environment, IConfiguration configuration, IOptions<UpstreamOptions> upstream,
            SessionRegistry registry, ProxyReadiness readiness, RecordSpool spool) =>
            AdminResults.Json(
                new InstanceInfo(instance.Id, environment.EnvironmentName, upstream.Value.Url, ConfigFiles(configuration), registry.Count,
                    readiness.IsRedisConnected, spool.Directory, spool.PendingBytes),
                AdminJsonContext.Default.InstanceInfo));
        admin.MapGet("/instances", ListInstancesAsync);
        return admin;
    }

    /// <summary>Every instance that wrote its entry in the last 10 minutes, by id; stale when it missed three of its
    /// intervals (stopped, cut off from Redis, or hung).</summary>
    private static async Task<IResult> ListInstancesAsync(InstanceRegistryStore registry, TimeProvider time)
    {
        var entries = await registry.ListAsync().ConfigureAwait(false);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        return AdminResults.Json(
            new InstanceStatusList([.. entries.Select(e => new InstanceStatusView(
                e.InstanceId, e.Ready, e.RedisConnected, e.LiveSessions, e.SpoolPendingBytes, e.StartedAtMs, e.LastSeenMs, e.IsStaleAt(nowMs)))]),
            AdminJsonContext.Default.InstanceStatusList);
    }

    private static List<string> ConfigFiles(IConfiguration configuration)
    {
        var files = new List<string>();
        if (configuration is not IConfigurationRoot root)
        {
            return files;
        }

        foreach (var provider in root.Providers.OfType<JsonConfigurationProvider>())
        {
            var source = provider.Source;
            if (source.Path is null || source.FileProvider?.GetFileInfo(source.Path) is not { Exists: true } file)
            {
                continue;
            }

            files.Add(file.PhysicalPath ?? source.Path);
        }

        return files;
    }
}
