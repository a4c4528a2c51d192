using Microsoft.Extensions.Options;
using Proxy.Sessions;

namespace Proxy.Tests.Sessions;

public sealed class SessionControlOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_accepted()
    {
        Assert.True(Validate(new SessionControlOptions()).Succeeded);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1_000)]
    [InlineData(86_400_000)]
    public void Limits_of_zero_or_one_second_to_a_day_are_accepted(long ms)
    {
        var value = TimeSpan.FromMilliseconds(ms);

        Assert.True(Validate(new SessionControlOptions { IdleTimeout = value, IdleWarningLead = TimeSpan.Zero }).Succeeded);
        Assert.True(Validate(new SessionControlOptions { MaxDuration = value, MaxDurationWarningLead = TimeSpan.Zero }).Succeeded);
    }

    [Theory]
    [InlineData(-1_000)]
    [InlineData(1)]
    [InlineData(999)]
    [InlineData(86_400_001)]
    public void Idle_timeout_outside_the_limits_is_refused_naming_the_key(long ms)
    {
        var result = Validate(new SessionControlOptions { IdleTimeout = TimeSpan.FromMilliseconds(ms), IdleWarningLead = TimeSpan.Zero });

        AssertSingleFailure(result, "Sessions:IdleTimeout must be 0 (off) or between 1 second and 24 hours");
    }

    [Theory]
    [InlineData(-1_000)]
    [InlineData(999)]
    [InlineData(86_400_001)]
    public void Max_duration_outside_the_limits_is_refused_naming_the_key(long ms)
    {
        var result = Validate(new SessionControlOptions { MaxDuration = TimeSpan.FromMilliseconds(ms), MaxDurationWarningLead = TimeSpan.Zero });

        AssertSingleFailure(result, "Sessions:MaxDuration must be 0 (off) or between 1 second and 24 hours");
    }

    [Theory]
    [InlineData(3_000, 10_000)]
    [InlineData(30_000, 30_000)]
    [InlineData(30_000, 40_000)]
    [InlineData(30_000, 29_999)]
    [InlineData(0, 10_000)]
    public void An_idle_warning_lead_of_any_length_is_accepted_the_policy_fits_it_to_the_timeout(long timeoutMs, long leadMs)
    {
        var result = Validate(new SessionControlOptions
        {
            IdleTimeout = TimeSpan.FromMilliseconds(timeoutMs),
            IdleWarningLead = TimeSpan.FromMilliseconds(leadMs),
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData(30_000, 60_000)]
    [InlineData(60_000, 60_000)]
    [InlineData(0, 60_000)]
    public void A_max_duration_warning_lead_of_any_length_is_accepted_the_policy_fits_it_to_the_max_duration(long maxMs, long leadMs)
    {
        var result = Validate(new SessionControlOptions
        {
            MaxDuration = TimeSpan.FromMilliseconds(maxMs),
            MaxDurationWarningLead = TimeSpan.FromMilliseconds(leadMs),
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void A_negative_warning_lead_is_refused_naming_the_key()
    {
        AssertSingleFailure(
            Validate(new SessionControlOptions { IdleWarningLead = TimeSpan.FromMilliseconds(-1) }),
            "Sessions:IdleWarningLead must be 0 (no warning) or more");
        AssertSingleFailure(
            Validate(new SessionControlOptions { MaxDurationWarningLead = TimeSpan.FromMilliseconds(-1) }),
            "Sessions:MaxDurationWarningLead must be 0 (no warning) or more");
    }

    [Theory]
    [InlineData("audio")]
    [InlineData("messages")]
    [InlineData("any")]
    [InlineData(" Any ")]
    [InlineData("AUDIO")]
    public void Known_idle_modes_are_accepted(string mode)
    {
        Assert.True(Validate(new SessionControlOptions { IdleMode = mode }).Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("none")]
    [InlineData("message")]
    [InlineData("audio,messages")]
    public void Unknown_idle_modes_are_refused_listing_the_known_ones(string mode)
    {
        var result = Validate(new SessionControlOptions { IdleMode = mode });

        AssertSingleFailure(result, $"Sessions:IdleMode must be audio, messages or any (got \"{mode}\").");
    }

    [Theory]
    [InlineData("CloseGrace", 99, false)]
    [InlineData("CloseGrace", 100, true)]
    [InlineData("CloseGrace", 60_000, true)]
    [InlineData("CloseGrace", 60_001, false)]
    [InlineData("DrainTimeout", -1, false)]
    [InlineData("DrainTimeout", 0, true)]
    [InlineData("DrainTimeout", 3_600_000, true)]
    [InlineData("DrainTimeout", 3_600_001, false)]
    [InlineData("SweepInterval", 9, false)]
    [InlineData("SweepInterval", 10, true)]
    [InlineData("SweepInterval", 5_000, true)]
    [InlineData("SweepInterval", 5_001, false)]
    [InlineData("HeartbeatInterval", 999, false)]
    [InlineData("HeartbeatInterval", 1_000, true)]
    [InlineData("HeartbeatInterval", 15_000, true)]
    public void Ranges_of_the_enforcement_settings(string key, long ms, bool valid)
    {
        var options = new SessionControlOptions();
        var value = TimeSpan.FromMilliseconds(ms);
        switch (key)
        {
            case "CloseGrace":
                options.CloseGrace = value;
                break;
            case "DrainTimeout":
                options.DrainTimeout = value;
                break;
            case "SweepInterval":
                options.SweepInterval = value;
                break;
            default:
                options.HeartbeatInterval = value;
                break;
        }

        var result = Validate(options);

        if (valid)
        {
            Assert.True(result.Succeeded, result.FailureMessage);
        }
        else
        {
            AssertSingleFailure(result, $"Sessions:{key} must be between ");
        }
    }

    [Fact]
    public void Heartbeat_interval_above_five_minutes_is_refused()
    {
        var result = Validate(new SessionControlOptions { HeartbeatInterval = TimeSpan.FromMinutes(5) + TimeSpan.FromMilliseconds(1), LeaseTtl = TimeSpan.FromMinutes(10) });

        // The lease cannot be twice that and at most 10 minutes either.
        Assert.True(result.Failed);
        Assert.Contains("Sessions:HeartbeatInterval must be between 00:00:01 and 00:05:00", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5_000, 9_999, false)]
    [InlineData(5_000, 10_000, true)]
    [InlineData(5_000, 600_000, true)]
    [InlineData(5_000, 600_001, false)]
    [InlineData(60_000, 119_000, false)]
    [InlineData(60_000, 120_000, true)]
    public void Lease_ttl_is_at_least_two_heartbeats_and_at_most_ten_minutes(long heartbeatMs, long leaseMs, bool valid)
    {
        var result = Validate(new SessionControlOptions
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(heartbeatMs),
            LeaseTtl = TimeSpan.FromMilliseconds(leaseMs),
        });

        if (valid)
        {
            Assert.True(result.Succeeded, result.FailureMessage);
        }
        else
        {
            AssertSingleFailure(result, "Sessions:LeaseTtl must be at least twice Sessions:HeartbeatInterval");
        }
    }

    [Fact]
    public void Negative_concurrency_limits_are_refused_and_zero_is_unlimited()
    {
        Assert.True(Validate(new SessionControlOptions { MaxConcurrentSessionsPerCustomer = 0, MaxConcurrentSessionsPerInstance = 0 }).Succeeded);
        Assert.True(Validate(new SessionControlOptions { MaxConcurrentSessionsPerCustomer = 1_000_000, MaxConcurrentSessionsPerInstance = 1 }).Succeeded);

        AssertSingleFailure(
            Validate(new SessionControlOptions { MaxConcurrentSessionsPerCustomer = -1 }),
            "Sessions:MaxConcurrentSessionsPerCustomer must be 0 (unlimited) or more (got -1).");
        AssertSingleFailure(
            Validate(new SessionControlOptions { MaxConcurrentSessionsPerInstance = -1 }),
            "Sessions:MaxConcurrentSessionsPerInstance must be 0 (unlimited) or more (got -1).");
    }

    [Fact]
    public void Every_failure_is_reported_at_once()
    {
        var result = Validate(new SessionControlOptions
        {
            IdleTimeout = TimeSpan.FromMilliseconds(500),
            MaxDuration = TimeSpan.FromDays(2),
            IdleWarningLead = TimeSpan.FromSeconds(-1),
            MaxDurationWarningLead = TimeSpan.FromSeconds(-1),
            IdleMode = "never",
            CloseGrace = TimeSpan.Zero,
            DrainTimeout = TimeSpan.FromHours(2),
            SweepInterval = TimeSpan.Zero,
            HeartbeatInterval = TimeSpan.Zero,
            LeaseTtl = TimeSpan.FromHours(1),
            MaxConcurrentSessionsPerCustomer = -1,
            MaxConcurrentSessionsPerInstance = -1,
        });

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "Sessions:IdleTimeout", "Sessions:MaxDuration", "Sessions:IdleWarningLead", "Sessions:MaxDurationWarningLead",
                "Sessions:MaxConcurrentSessionsPerCustomer", "Sessions:IdleMode", "Sessions:CloseGrace", "Sessions:DrainTimeout",
                "Sessions:SweepInterval", "Sessions:HeartbeatInterval", "Sessions:LeaseTtl", "Sessions:MaxConcurrentSessionsPerInstance",
            ],
            result.Failures!.Select(f => f[..f.IndexOf(' ', StringComparison.Ordinal)]));
    }

    [Fact]
    public void Limit_and_lead_rules_name_the_configuration_key_and_show_its_value()
    {
        Assert.Null(SessionSettings.IdleTimeout.ConfiguredError(new SessionControlOptions { IdleTimeout = TimeSpan.Zero }));
        Assert.Equal(
            "Sessions:IdleTimeout must be 0 (off) or between 1 second and 24 hours (got 00:00:00.5000000).",
            SessionSettings.IdleTimeout.ConfiguredError(new SessionControlOptions { IdleTimeout = TimeSpan.FromMilliseconds(500) }));
        Assert.Null(SessionSettings.IdleWarningLead.ConfiguredError(new SessionControlOptions { IdleWarningLead = TimeSpan.Zero }));
        Assert.Null(SessionSettings.IdleWarningLead.ConfiguredError(new SessionControlOptions { IdleWarningLead = TimeSpan.FromDays(2) }));
        Assert.Equal(
            "Sessions:IdleWarningLead must be 0 (no warning) or more (got -00:00:01).",
            SessionSettings.IdleWarningLead.ConfiguredError(new SessionControlOptions { IdleWarningLead = TimeSpan.FromSeconds(-1) }));
    }

    private static ValidateOptionsResult Validate(SessionControlOptions options) =>
        new SessionControlOptionsValidator().Validate(Options.DefaultName, options);

    private static void AssertSingleFailure(ValidateOptionsResult result, string expectedStart)
    {
        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith(expectedStart, failure, StringComparison.Ordinal);
    }
}
