namespace Proxy.Sessions;

/// <summary>The limit a warning lead warns of.</summary>
internal enum WarnedLimit
{
    IdleTimeout,
    MaxDuration,
}

/// <summary>A warning lead that <see cref="WarningLead.Fit"/> shortened: what was set, against which limit, and what
/// applies.</summary>
internal sealed record ShortenedLead(WarnedLimit Limit, TimeSpan Lead, TimeSpan LimitValue, TimeSpan Effective);
