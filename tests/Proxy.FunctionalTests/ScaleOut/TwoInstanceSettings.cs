using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.ScaleOut;

/// <summary>What every instance of a two-instance gateway runs with: <see cref="GatewayFixture.ShortSessionControl"/>,
/// a reaper that looks every second and a spool of its own.</summary>
internal static class TwoInstanceSettings
{
    public static Dictionary<string, string> For(string spoolPrefix, IDictionary<string, string>? overrides)
    {
        var settings = new Dictionary<string, string>(GatewayFixture.ShortSessionControl)
        {
            ["Storage:ReaperInterval"] = "00:00:01",
            ["Storage:SpoolDirectory"] = Directory.CreateTempSubdirectory(spoolPrefix).FullName,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }
}
