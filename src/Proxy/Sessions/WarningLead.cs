namespace Proxy.Sessions;

/// <summary>
/// The one rule for warning leads (README.md, "Session control"), for the configuration and per customer alike: a lead
/// that is not shorter than the limit it warns of is shortened to half that limit. Setting only a timeout must work,
/// so the inherited default lead follows it instead of making the timeout invalid.
/// </summary>
internal static class WarningLead
{
    public static TimeSpan Fit(TimeSpan lead, TimeSpan limit) =>
        limit > TimeSpan.Zero && lead >= limit ? limit / 2 : lead;
}
