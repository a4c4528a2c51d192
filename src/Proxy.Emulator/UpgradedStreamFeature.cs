using Microsoft.AspNetCore.Http.Features;

namespace Proxy.Emulator;

/// <summary>
/// Wraps the request's upgrade (as YARP's WebSocket telemetry does) and keeps the upgraded stream the WebSocket runs
/// on, so the <c>EmulatorRawClose</c> test hook can write a Close frame .NET's WebSocket refuses to send.
/// </summary>
internal sealed class UpgradedStreamFeature(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>The upgraded connection's stream, once upgraded (HTTP/1.1 only).</summary>
    public Stream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Stream = await inner.UpgradeAsync();
        return Stream;
    }
}

internal static class UpgradedStreamFeatureExtensions
{
    /// <summary>Must run before <c>UseWebSockets</c>, which takes the upgrade feature it finds.</summary>
    public static IApplicationBuilder UseUpgradedStreamCapture(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
        {
            var feature = new UpgradedStreamFeature(upgrade);
            context.Features.Set<IHttpUpgradeFeature>(feature);
            context.Features.Set(feature);
        }

        return next(context);
    });
}
