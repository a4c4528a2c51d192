using System.Reflection;
using Microsoft.Extensions.Options;

namespace Proxy.Runtime;

/// <summary>
/// Binds an options class to its configuration section like <c>BindConfiguration</c>, except that a value the binder
/// cannot convert ("half a minute" for a TimeSpan) becomes a validation failure naming its key, reported with the
/// section's other problems. The binder's own exception would escape start-up validation at the first such value,
/// with a stack trace and no word on the rest.
/// </summary>
internal static class ConfigurationSectionBinding
{
    public static OptionsBuilder<T> BindSection<T>(this OptionsBuilder<T> builder, string section)
        where T : class
    {
        builder.Configure<IConfiguration>((options, configuration) => Bind(configuration.GetSection(section), options));
        builder.Services.AddSingleton<IValidateOptions<T>>(provider =>
            new ConvertibleValuesValidator<T>(builder.Name, provider.GetRequiredService<IConfiguration>().GetSection(section)));

        // What BindConfiguration adds besides binding: IOptionsMonitor sees configuration reloads.
        builder.Services.AddSingleton<IOptionsChangeTokenSource<T>>(provider =>
            new ConfigurationChangeTokenSource<T>(builder.Name, provider.GetRequiredService<IConfiguration>()));
        return builder;
    }

    /// <summary>Binds <paramref name="section"/> onto <paramref name="options"/>; a value that cannot be converted
    /// leaves its property as it was (<see cref="ConversionFailures"/> names it).</summary>
    public static void Bind<T>(IConfigurationSection section, T options)
        where T : class
    {
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException)
        {
            // The binder stops at the first bad value: bind the others one by one.
            foreach (var (property, value) in Values(section, typeof(T)))
            {
                try
                {
                    property.SetValue(options, value.Get(property.PropertyType));
                }
                catch (InvalidOperationException)
                {
                    // Reported by ConversionFailures.
                }
            }
        }
    }

    /// <summary>One line per value in <paramref name="section"/> that cannot be converted to its property of
    /// <paramref name="type"/>, naming the key; empty when all can.</summary>
    public static List<string> ConversionFailures(IConfigurationSection section, Type type)
    {
        var failures = new List<string>();
        foreach (var (property, value) in Values(section, type))
        {
            try
            {
                value.Get(property.PropertyType);
            }
            catch (InvalidOperationException)
            {
                failures.Add($"{value.Path} must be {Expected(property.PropertyType)} (got \"{value.Value}\").");
            }
        }

        return failures;
    }

    private static IEnumerable<(PropertyInfo Property, IConfigurationSection Value)> Values(IConfigurationSection section, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = section.GetSection(property.Name);
            if (property.SetMethod is { IsPublic: true } && value.Exists())
            {
                yield return (property, value);
            }
        }
    }

    private static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type == typeof(TimeSpan) ? "a duration as [d.]hh:mm:ss[.fff] (e.g. 00:00:30)"
            : type == typeof(bool) ? "true or false"
            : type == typeof(int) || type == typeof(long) ? "a whole number"
            : "a valid " + type.Name;
    }

    private sealed class ConvertibleValuesValidator<T>(string? optionsName, IConfigurationSection section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            name != optionsName || ConversionFailures(section, typeof(T)) is not { Count: > 0 } failures
                ? ValidateOptionsResult.Skip
                : ValidateOptionsResult.Fail(failures);
    }
}
