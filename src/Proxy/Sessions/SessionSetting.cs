using System.Text.Json.Nodes;
using Proxy.Customers;

namespace Proxy.Sessions;

/// <summary>A per-customer setting of session control: its description (<see cref="Setting"/>), the configured
/// default it overrides and the policy value it becomes.</summary>
internal abstract class SessionSetting
{
    public abstract CustomerSetting Setting { get; }

    /// <summary>The configured default against the setting's range rule, named by its configuration key.</summary>
    public abstract string? ConfiguredError(SessionControlOptions options);

    /// <summary>The value in force under <paramref name="policy"/>, as admin JSON.</summary>
    public abstract JsonNode EffectiveJson(SessionPolicy policy);
}

/// <inheritdoc cref="SessionSetting"/>
internal sealed class SessionSetting<T> : SessionSetting
    where T : struct
{
    private readonly CustomerSetting<T> _setting;
    private readonly Func<SessionControlOptions, T> _configured;
    private readonly Func<SessionPolicy, T> _effective;

    public SessionSetting(CustomerSetting<T> setting, Func<SessionControlOptions, T> configured, Func<SessionPolicy, T> effective)
    {
        _setting = setting;
        _configured = configured;
        _effective = effective;
    }

    public override CustomerSetting Setting => _setting;

    /// <summary>The customer's override if it has one, else the configured default.</summary>
    public T Resolve(CustomerSettings overrides, SessionControlOptions options) => _setting.Read(overrides) ?? _configured(options);

    /// <summary>A copy of <paramref name="settings"/> with this override set, or removed when null.</summary>
    public CustomerSettings Set(CustomerSettings settings, T? value) => _setting.Set(settings, value);

    public override string? ConfiguredError(SessionControlOptions options) => _setting.ConfigError(_configured(options));

    public override JsonNode EffectiveJson(SessionPolicy policy) => _setting.ToJson(_effective(policy));
}
