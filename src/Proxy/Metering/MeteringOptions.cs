namespace Proxy.Metering;

/// <summary>Binds the <c>Metering</c> configuration section.</summary>
internal sealed class MeteringOptions
{
    public const string SectionName = "Metering";

    /// <summary>
    /// How much of a client's Settings message is read for models and tags (it is always forwarded whole). Settings
    /// carry the agent's prompt, so they can be tens of KB; a larger one is recorded without models.
    /// </summary>
    public int MaxInspectedSettingsBytes { get; set; } = 256 * 1024;
}
