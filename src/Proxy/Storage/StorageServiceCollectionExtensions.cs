using Microsoft.Extensions.Options;
using Proxy.Runtime;
using Proxy.Telemetry;
using StackExchange.Redis;

namespace Proxy.Storage;

internal static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddProxyStorage(this IServiceCollection services)
    {
        services.AddOptions<RedisOptions>().BindSection(RedisOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>();
        services.AddSingleton<IConnectionMultiplexer>(provider =>
        {
            var options = ConfigurationOptions.Parse(provider.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration);

            // Start even when Redis is down and keep reconnecting: readiness reports it meanwhile. While it is down,
            // commands fail at once instead of queueing: a record goes to the spool, an admission to its fallback.
            options.AbortOnConnectFail = false;
            options.BacklogPolicy = BacklogPolicy.FailFast;
            options.ClientName ??= "dgproxy-" + provider.GetRequiredService<ProxyInstance>().Id;
            return ConnectionMultiplexer.Connect(options);
        });
        services.AddOptions<StorageOptions>().BindSection(StorageOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        services.AddSingleton<RecordSpool>();
        services.AddSingleton<IRecordStorageStatus, RecordStorageStatus>();
        services.AddSingleton<SpooledHeartbeats>();
        services.AddSingleton<RedisConnectionState>();
        services.AddSingleton<FinalRecordCommitter>();
        services.AddSingleton<ReplicaAcknowledgement>();
        services.AddSingleton<RecordsStreamAppender>();
        services.AddSingleton<RecordWriter>();
        services.AddHostedService<RedisConnectionService>();
        services.AddHostedService<SpoolReplayService>();
        services.AddSingleton<RedisKeys>();
        services.AddSingleton<SessionIndexStore>();
        services.AddSingleton<SessionRecordStore>();
        services.AddSingleton<IndicatorStore>();
        services.AddSingleton<SessionLeaseStore>();
        services.AddSingleton<LiveCustomerIndex>();
        services.AddSingleton<InstanceRegistryStore>();
        services.AddSingleton<UpstreamKeyLeaseStore>();
        services.AddSingleton<StorageMetrics>();
        services.AddObservedInstruments<StorageGauges>();
        services.AddSingleton<SessionIndexTrimmer>();
        services.AddSingleton<LegacySessionIndexDrain>();
        services.AddSingleton<RecordStreamTrimmer>();
        services.AddSingleton<LockedPeriodicJobs>();
        services.AddHostedService<RetentionSweeper>();
        services.AddHostedService<RedisEvictionPolicyCheck>();
        return services;
    }
}
