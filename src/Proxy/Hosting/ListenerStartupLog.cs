namespace Proxy.Hosting;

internal static partial class ListenerStartupLog
{
    // Scripts and the functional tests read the bound ports from this line (ports may be 0 in configuration).
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Listening: proxy {ProxyUrl} admin {AdminUrl} instance {InstanceId}")]
    public static partial void Listening(ILogger logger, string proxyUrl, string adminUrl, string instanceId);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Admin:Tokens is empty: the admin API is open to anyone who can reach {AdminUrl} (allowed in Development only)")]
    public static partial void AdminApiOpen(ILogger logger, string adminUrl);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Secrets:MasterKey is not set: customers' Deepgram keys are encrypted with the built-in development key (allowed in Development only)")]
    public static partial void DevelopmentMasterKey(ILogger logger);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "No default Deepgram key (Upstream:ApiKey or DEEPGRAM_API_KEY): only customers with their own upstream key can open sessions")]
    public static partial void NoDefaultUpstreamKey(ILogger logger);
}
