using Microsoft.Extensions.Options;
using Proxy.Hosting;
using StackExchange.Redis;

namespace Proxy.Storage;

internal static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddProxyStorage(this IServiceCollection services)
    {
        services.AddOptions<RedisOptions>().BindConfiguration(RedisOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RedisOptions>, RedisOptionsValidator>();
        services.AddSingleton<IConnectionMultiplexer>(provider =>
        {
            var options = ConfigurationOptions.Parse(provider.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration);

            // Start even when Redis is down and keep reconnecting: readiness reports it meanwhile.
            options.AbortOnConnectFail = false;
            options.ClientName ??= "dgproxy-" + provider.GetRequiredService<ProxyInstance>().Id;
            return ConnectionMultiplexer.Connect(options);
        });
        services.AddHostedService<RedisConnectionService>();
        services.AddSingleton<RedisKeys>();
        services.AddSingleton<SessionRecordStore>();
        services.AddSingleton<SessionLeaseStore>();
        return services;
    }
}
