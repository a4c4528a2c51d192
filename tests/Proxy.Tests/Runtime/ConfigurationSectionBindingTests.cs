using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Proxy.Hosting;
using Proxy.Runtime;
using Proxy.Sessions;

namespace Proxy.Tests.Runtime;

public sealed class ConfigurationSectionBindingTests
{
    [Fact]
    public void Values_that_do_not_convert_are_validation_failures_naming_each_key_with_the_validators_own()
    {
        using var provider = SessionServices(new Dictionary<string, string?>
        {
            ["Sessions:IdleTimeout"] = "half a minute",
            ["Sessions:MaxConcurrentSessionsPerInstance"] = "many",
            ["Sessions:KeepAliveIsActivity"] = "maybe",
            ["Sessions:CloseGrace"] = "00:00:00",
        });

        var exception = Assert.ThrowsAny<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Equal(
            [
                "Sessions:IdleTimeout must be a duration as [d.]hh:mm:ss[.fff] (e.g. 00:00:30) (got \"half a minute\").",
                "Sessions:KeepAliveIsActivity must be true or false (got \"maybe\").",
                "Sessions:MaxConcurrentSessionsPerInstance must be a whole number (got \"many\").",
                "Sessions:CloseGrace must be between 00:00:00.1000000 and 00:01:00 (got 00:00:00).",
            ],
            exception.Failures);
    }

    [Fact]
    public void Values_that_convert_are_bound_even_when_another_does_not()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sessions:IdleTimeout"] = "soon",
            ["Sessions:MaxDuration"] = "00:10:00",
            ["Sessions:IdleMode"] = "audio",
        }).Build().GetSection("Sessions");
        var options = new SessionControlOptions();

        ConfigurationSectionBinding.Bind(section, options);

        Assert.Equal(TimeSpan.FromSeconds(30), options.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.MaxDuration);
        Assert.Equal("audio", options.IdleMode);
    }

    [Fact]
    public void Invalid_session_settings_do_not_stop_the_host_options_being_built()
    {
        // The host reads its shutdown timeout while it is built, before start-up validation reports every problem.
        using var provider = SessionServices(new Dictionary<string, string?> { ["Sessions:CloseGrace"] = "00:00:00", ["Sessions:DrainTimeout"] = "later" });

        Assert.Equal(new HostOptions().ShutdownTimeout, provider.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout);
    }

    [Fact]
    public void A_reloaded_configuration_reaches_the_options_monitor()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Sessions:IdleTimeout"] = "00:00:30" }).Build();
        using var provider = SessionServices(configuration);
        var monitor = provider.GetRequiredService<IOptionsMonitor<SessionControlOptions>>();
        Assert.Equal(TimeSpan.FromSeconds(30), monitor.CurrentValue.IdleTimeout);

        configuration["Sessions:IdleTimeout"] = "00:01:00";
        configuration.Reload();

        Assert.Equal(TimeSpan.FromMinutes(1), monitor.CurrentValue.IdleTimeout);
    }

    private static ServiceProvider SessionServices(Dictionary<string, string?> settings) =>
        SessionServices(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

    private static ServiceProvider SessionServices(IConfigurationRoot configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddAgentSessions();
        return services.BuildServiceProvider();
    }
}
