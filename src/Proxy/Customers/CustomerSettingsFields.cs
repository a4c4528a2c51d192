using System.Globalization;
using Proxy.Sessions;
using StackExchange.Redis;

namespace Proxy.Customers;

/// <summary>
/// A customer's session-control overrides as fields of its customer hash, so the lookup that admits a session
/// reads them in the same round trip.
/// </summary>
internal static class CustomerSettingsFields
{
    public const string IdleTimeout = "settings.idle_timeout_ms";
    public const string IdleMode = "settings.idle_mode";
    public const string MaxDuration = "settings.max_duration_ms";
    public const string IdleWarningLead = "settings.idle_warning_lead_ms";
    public const string MaxDurationWarningLead = "settings.max_duration_warning_lead_ms";
    public const string MaxConcurrentSessions = "settings.max_concurrent_sessions";

    public static readonly string[] All = [IdleTimeout, IdleMode, MaxDuration, IdleWarningLead, MaxDurationWarningLead, MaxConcurrentSessions];

    public static SessionSettingsOverrides Read(IReadOnlyDictionary<string, string> fields) => new()
    {
        IdleTimeout = Millis(fields, IdleTimeout),
        IdleMode = fields.TryGetValue(IdleMode, out var mode) && IdleModes.TryParse(mode, out var parsed) ? parsed : null,
        MaxDuration = Millis(fields, MaxDuration),
        IdleWarningLead = Millis(fields, IdleWarningLead),
        MaxDurationWarningLead = Millis(fields, MaxDurationWarningLead),
        MaxConcurrentSessions = fields.TryGetValue(MaxConcurrentSessions, out var max)
            && int.TryParse(max, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null,
    };

    public static List<HashEntry> Write(SessionSettingsOverrides settings)
    {
        var entries = new List<HashEntry>();
        AddMillis(entries, IdleTimeout, settings.IdleTimeout);
        if (settings.IdleMode is { } mode)
        {
            entries.Add(new HashEntry(IdleMode, IdleModes.Name(mode)));
        }

        AddMillis(entries, MaxDuration, settings.MaxDuration);
        AddMillis(entries, IdleWarningLead, settings.IdleWarningLead);
        AddMillis(entries, MaxDurationWarningLead, settings.MaxDurationWarningLead);
        if (settings.MaxConcurrentSessions is { } max)
        {
            entries.Add(new HashEntry(MaxConcurrentSessions, max));
        }

        return entries;
    }

    private static TimeSpan? Millis(IReadOnlyDictionary<string, string> fields, string name) =>
        fields.TryGetValue(name, out var value) && long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : null;

    private static void AddMillis(List<HashEntry> entries, string name, TimeSpan? value)
    {
        if (value is { } span)
        {
            entries.Add(new HashEntry(name, (long)span.TotalMilliseconds));
        }
    }
}
