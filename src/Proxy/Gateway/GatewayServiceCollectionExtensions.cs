using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Metering;
using Proxy.Runtime;

using Proxy.Tunnel;

namespace Proxy.Gateway;

internal static class GatewayServiceCollectionExtensions
{
    /// <summary>Deepgram's own paths, so an SDK only changes its base URL.</summary>
    public static readonly string[] AgentPaths = ["/v1/agent/converse", "/agent"];

    public static IServiceCollection AddAgentGateway(this IServiceCollection services)
    {
        services.AddHttpForwarder();
        services.AddOptions<UpstreamOptions>()
            .BindSection(UpstreamOptions.SectionName)
            .PostConfigure<IConfiguration>((options, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(options.ApiKey))
                {
                    options.ApiKey = configuration["DEEPGRAM_API_KEY"] is { Length: > 0 } key ? key.Trim() : null;
                }
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<UpstreamOptions>, UpstreamOptionsValidator>();
        services.AddOptions<LimitsOptions>().BindSection(LimitsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>();
        services.AddSingleton<AuthFailureLimiter>();
        services.AddSingleton<CredentialRefusals>();
        services.AddSingleton<UpstreamClient>();
        services.AddSingleton<AgentUpstreamTransformer>();
        services.AddSingleton(sp => new SessionStartSettings(
            sp.GetRequiredService<IOptions<LimitsOptions>>().Value.ClientFrameLimits(),
            sp.GetRequiredService<IOptions<MeteringOptions>>().Value.MaxInspectedSettingsBytes,
            sp.GetRequiredService<IOptions<UpstreamOptions>>().Value.ActivityTimeout));
        services.AddSingleton<HandshakeStep>();
        services.AddSingleton<ReadinessStep>();
        services.AddSingleton<CredentialStep>();
        services.AddSingleton<CustomerStep>();
        services.AddSingleton<OriginStep>();
        services.AddSingleton(sp =>
        {
            var upstream = sp.GetRequiredService<IOptions<UpstreamOptions>>().Value;
            return new UpstreamUrlAllowList(upstream.Url, upstream.AllowedUrls);
        });
        services.AddSingleton<UpstreamUrlStep>();
        services.AddSingleton<UpstreamKeyStep>();
        services.AddSingleton<BudgetStep>();
        services.AddSingleton<LeaseStep>();
        services.AddSingleton(AdmissionPipeline.Create);
        services.AddSingleton<GatewayServices>();
        services.AddSingleton<ProtocolViolationResponder>();
        services.AddSingleton<SessionForwarder>();
        services.AddSingleton<AgentEndpoint>();
        services.AddSingleton<GrantEndpoint>();
        return services;
    }

    public static IEndpointRouteBuilder MapAgentEndpoints(this IEndpointRouteBuilder app)
    {
        // Resolved per request (a singleton, so once): resolving it here would build it before the options are
        // validated at start, and an invalid setting would surface as a stack trace instead of a message.
        foreach (var path in AgentPaths)
        {
            app.Map(path, context => context.RequestServices.GetRequiredService<AgentEndpoint>().HandleAsync(context))
                .WithMetadata(ListenerScope.Proxy);
        }

        app.MapPost(GrantEndpoint.Path, context => context.RequestServices.GetRequiredService<GrantEndpoint>().HandleAsync(context))
            .WithMetadata(ListenerScope.Proxy);
        return app;
    }
}
