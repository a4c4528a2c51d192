using System.Text.Json;
using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Sessions;

namespace Proxy.Tests.Sessions;

/// <summary>The per-customer session settings as the admin API takes them, against the same rules as the
/// configuration's validator.</summary>
public sealed class SessionSettingsTests
{
    [Fact]
    public void Valid_overrides_have_no_errors()
    {
        Assert.Null(Error("idle_timeout_ms", "1000"));
        Assert.Null(Error("idle_warning_lead_ms", "999"));
        Assert.Null(Error("max_duration_ms", "86400000"));
        Assert.Null(Error("max_duration_warning_lead_ms", "3600000"));
        Assert.Null(Error("max_concurrent_sessions", "100000"));
        Assert.Null(Error("idle_timeout_ms", "0"));
        Assert.Null(Error("max_duration_ms", "0"));
        Assert.Null(Error("idle_mode", "\" ANY \""));
    }

    [Theory]
    [InlineData(999)]
    [InlineData(-1)]
    [InlineData(86_400_001)]
    public void An_idle_timeout_outside_the_limits_names_idle_timeout_ms(long ms)
    {
        Assert.Equal($"idle_timeout_ms must be 0 (off) or between 1 second and 24 hours (got {ms}).", Error("idle_timeout_ms", $"{ms}"));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(90_000_000)]
    public void A_max_duration_outside_the_limits_names_max_duration_ms(long ms)
    {
        Assert.StartsWith("max_duration_ms must be 0 (off) or between 1 second and 24 hours", Error("max_duration_ms", $"{ms}"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_negative_lead_is_an_error()
    {
        Assert.Equal("idle_warning_lead_ms must be 0 (no warning) or more (got -1).", Error("idle_warning_lead_ms", "-1"));
        Assert.Equal("max_duration_warning_lead_ms must be 0 (no warning) or more (got -1000).", Error("max_duration_warning_lead_ms", "-1000"));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(-5)]
    public void Negative_max_concurrent_sessions_names_max_concurrent_sessions(int value)
    {
        Assert.Equal($"max_concurrent_sessions must be 0 (unlimited) or more (got {value}).", Error("max_concurrent_sessions", $"{value}"));
    }

    [Fact]
    public void Max_concurrent_sessions_has_the_configurations_rule_no_upper_bound()
    {
        // The admin API used to refuse more than 100000 while the configuration took any count: one rule now.
        Assert.Null(Error("max_concurrent_sessions", "100001"));
        Assert.True(Validate(new SessionControlOptions { MaxConcurrentSessionsPerCustomer = 100_001 }).Succeeded);
    }

    [Theory]
    [InlineData("idle_timeout_ms", "\"30000\"", "idle_timeout_ms must be a whole number of milliseconds, or null to inherit.")]
    [InlineData("idle_timeout_ms", "1.5", "idle_timeout_ms must be a whole number of milliseconds, or null to inherit.")]
    [InlineData("idle_warning_lead_ms", "9223372036854775807", "idle_warning_lead_ms must be a whole number of milliseconds, or null to inherit.")]
    [InlineData("max_concurrent_sessions", "3000000000", "max_concurrent_sessions must be a whole number, or null to inherit.")]
    [InlineData("idle_mode", "\"sometimes\"", "idle_mode must be audio, messages or any, or null to inherit.")]
    [InlineData("idle_mode", "1", "idle_mode must be audio, messages or any, or null to inherit.")]
    public void A_value_of_the_wrong_type_says_what_the_setting_takes(string name, string json, string expected)
    {
        Assert.Equal(expected, Error(name, json));
    }

    [Theory]
    [InlineData("idle_timeout_ms", 999)]
    [InlineData("idle_timeout_ms", 86_400_001)]
    [InlineData("max_duration_ms", -1)]
    [InlineData("idle_warning_lead_ms", -1)]
    [InlineData("max_concurrent_sessions", -1)]
    [InlineData("idle_timeout_ms", 1_000)]
    [InlineData("max_duration_ms", 86_400_000)]
    [InlineData("idle_warning_lead_ms", 90_000_000)]
    [InlineData("max_concurrent_sessions", 1_000_000)]
    public void The_admin_api_and_the_configuration_accept_and_refuse_the_same_values(string name, long value)
    {
        var options = new SessionControlOptions { IdleWarningLead = TimeSpan.Zero, MaxDurationWarningLead = TimeSpan.Zero };
        switch (name)
        {
            case "idle_timeout_ms":
                options.IdleTimeout = TimeSpan.FromMilliseconds(value);
                break;
            case "max_duration_ms":
                options.MaxDuration = TimeSpan.FromMilliseconds(value);
                break;
            case "idle_warning_lead_ms":
                options.IdleWarningLead = TimeSpan.FromMilliseconds(value);
                break;
            default:
                options.MaxConcurrentSessionsPerCustomer = (int)value;
                break;
        }

        var configAccepts = Validate(options).Succeeded;
        var adminAccepts = Error(name, $"{value}") is null;

        Assert.Equal(configAccepts, adminAccepts);
    }

    [Fact]
    public void Each_setting_names_its_configuration_key_and_its_redis_field()
    {
        Assert.Equal(
            [
                ("idle_timeout_ms", "Sessions:IdleTimeout", "settings.idle_timeout_ms"),
                ("idle_mode", "Sessions:IdleMode", "settings.idle_mode"),
                ("max_duration_ms", "Sessions:MaxDuration", "settings.max_duration_ms"),
                ("idle_warning_lead_ms", "Sessions:IdleWarningLead", "settings.idle_warning_lead_ms"),
                ("max_duration_warning_lead_ms", "Sessions:MaxDurationWarningLead", "settings.max_duration_warning_lead_ms"),
                ("max_concurrent_sessions", "Sessions:MaxConcurrentSessionsPerCustomer", "settings.max_concurrent_sessions"),
            ],
            SessionSettings.All.Select(s => (s.Setting.Name, s.Setting.ConfigKey, s.Setting.RedisField)));
    }

    [Fact]
    public void Stored_fields_written_before_this_table_still_read()
    {
        // The customer hash as earlier versions wrote it: the same fields, the same text.
        var settings = CustomerSettings.FromHash(new Dictionary<string, string>
        {
            ["customer_id"] = "acme",
            ["settings.idle_timeout_ms"] = "45000",
            ["settings.idle_mode"] = "audio",
            ["settings.max_duration_ms"] = "600000",
            ["settings.idle_warning_lead_ms"] = "5000",
            ["settings.max_duration_warning_lead_ms"] = "0",
            ["settings.max_concurrent_sessions"] = "7",
        });

        Assert.Equal(TimeSpan.FromSeconds(45), SessionSettings.IdleTimeout.Resolve(settings, new SessionControlOptions()));
        Assert.Equal(IdleMode.Audio, SessionSettings.IdleMode.Resolve(settings, new SessionControlOptions()));
        Assert.Equal(TimeSpan.FromMinutes(10), SessionSettings.MaxDuration.Resolve(settings, new SessionControlOptions()));
        Assert.Equal(TimeSpan.FromSeconds(5), SessionSettings.IdleWarningLead.Resolve(settings, new SessionControlOptions()));
        Assert.Equal(TimeSpan.Zero, SessionSettings.MaxDurationWarningLead.Resolve(settings, new SessionControlOptions()));
        Assert.Equal(7, SessionSettings.MaxConcurrentSessions.Resolve(settings, new SessionControlOptions()));
        Assert.Equal(
            ["idle_timeout_ms=45000", "idle_mode=audio", "max_duration_ms=600000", "idle_warning_lead_ms=5000", "max_duration_warning_lead_ms=0", "max_concurrent_sessions=7"],
            settings.Stored.Select(p => $"{p.Key}={p.Value}"));
    }

    [Fact]
    public void Unreadable_stored_text_inherits_the_default()
    {
        var settings = CustomerSettings.FromHash(new Dictionary<string, string>
        {
            ["settings.idle_timeout_ms"] = "soon",
            ["settings.idle_mode"] = "sometimes",
            ["settings.max_duration_ms"] = "9223372036854775807",
        });
        var options = new SessionControlOptions();

        Assert.Equal(options.IdleTimeout, SessionSettings.IdleTimeout.Resolve(settings, options));
        Assert.Equal(IdleMode.Messages, SessionSettings.IdleMode.Resolve(settings, options));
        Assert.Equal(options.MaxDuration, SessionSettings.MaxDuration.Resolve(settings, options));
        Assert.Null(SessionSettings.MaxDuration.Setting.OverrideJson(settings));
    }

    [Fact]
    public void A_parsed_value_is_stored_in_its_canonical_text()
    {
        Assert.True(SessionSettings.IdleMode.Setting.TryParse(Json("\" AUDIO \""), out var mode, out _));
        Assert.True(SessionSettings.IdleTimeout.Setting.TryParse(Json("15000"), out var ms, out _));

        Assert.Equal("audio", mode);
        Assert.Equal("15000", ms);
    }

    private static string? Error(string name, string json)
    {
        var setting = Assert.Single(SessionSettings.All, s => s.Setting.Name == name).Setting;
        return setting.TryParse(Json(json), out _, out var error) ? null : error;
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static ValidateOptionsResult Validate(SessionControlOptions options) =>
        new SessionControlOptionsValidator().Validate(Options.DefaultName, options);
}
