namespace Proxy.Hosting;

/// <summary>
/// Process-wide settings of .NET's socket engine that exist only as environment variables, read when the first
/// socket is used: applied from configuration before anything opens one.
/// </summary>
internal static class SocketEngineSettings
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void Apply(IConfiguration configuration)
    {
        // Kestrel's side is SocketTransportOptions.UnsafePreferInlineScheduling; this is the upstream (client) side.
        // An operator's own environment variable wins.
        var inline = configuration.GetValue($"{EndpointsOptions.SectionName}:{nameof(EndpointsOptions.InlineIo)}", defaultValue: true);
        if (inline && Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }
    }
}
