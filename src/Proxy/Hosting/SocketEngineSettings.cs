using Proxy.Runtime;

namespace Proxy.Hosting;

/// <summary>
/// Process-wide settings of .NET's socket engine that exist only as environment variables, read when the first
/// socket is used: applied from configuration before anything opens one. An operator's own environment variable wins.
/// </summary>
internal static class SocketEngineSettings
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string ThreadCount = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    public static void Apply(IConfiguration configuration)
    {
        // The same binding (and defaults) as the options the host validates later; a value that does not convert is
        // left to that validation, which names it with every other problem.
        var section = configuration.GetSection(EndpointsOptions.SectionName);
        if (ConfigurationSectionBinding.ConversionFailures(section, typeof(EndpointsOptions)).Count > 0)
        {
            return;
        }

        var endpoints = new EndpointsOptions();
        ConfigurationSectionBinding.Bind(section, endpoints);

        // Kestrel's side is SocketTransportOptions.UnsafePreferInlineScheduling; this is the upstream (client) side.
        SetUnlessGiven(InlineCompletions, endpoints.InlineIo ? "1" : null);
        SetUnlessGiven(ThreadCount, endpoints.SocketThreads > 0 ? endpoints.SocketThreads.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    private static void SetUnlessGiven(string variable, string? value)
    {
        if (value is not null && Environment.GetEnvironmentVariable(variable) is null)
        {
            Environment.SetEnvironmentVariable(variable, value);
        }
    }
}
