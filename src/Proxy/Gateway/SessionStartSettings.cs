using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>The settings every new session starts with, read once from their options (validated at start).</summary>
/// <param name="ClientLimits">Frame limits on what clients send (<c>Limits</c>).</param>
/// <param name="SettingsCaptureLimit">How much of a client's Settings message is inspected (<c>Metering:MaxInspectedSettingsBytes</c>).</param>
/// <param name="ActivityTimeout">YARP's activity timeout for the upgrade (<c>Upstream:ActivityTimeout</c>).</param>
internal sealed record SessionStartSettings(FrameLimits ClientLimits, int SettingsCaptureLimit, TimeSpan ActivityTimeout);
