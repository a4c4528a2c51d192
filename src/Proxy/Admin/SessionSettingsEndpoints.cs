using System.Text.Json;
using Proxy.Customers;
using Proxy.Sessions;

namespace Proxy.Admin;

/// <summary>A customer's session-control settings: PUT replaces them, PATCH changes some (null removes one); every
/// change reaches the customer's live sessions on every instance.</summary>
internal static class SessionSettingsEndpoints
{
    private static readonly string[] Fields =
        ["idle_timeout_ms", "idle_mode", "max_duration_ms", "idle_warning_lead_ms", "max_duration_warning_lead_ms", "max_concurrent_sessions"];

    public static RouteGroupBuilder MapSessionSettingsEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/customers/{customerId}/settings", GetAsync);
        admin.MapPut("/customers/{customerId}/settings", (string customerId, HttpRequest request, CustomerStore store, SessionPolicyResolver resolver, SessionControlChannel channel, ILoggerFactory loggers) =>
            ChangeAsync(customerId, request, store, resolver, channel, loggers, merge: false));
        admin.MapPatch("/customers/{customerId}/settings", (string customerId, HttpRequest request, CustomerStore store, SessionPolicyResolver resolver, SessionControlChannel channel, ILoggerFactory loggers) =>
            ChangeAsync(customerId, request, store, resolver, channel, loggers, merge: true));
        return admin;
    }

    private static async Task<IResult> GetAsync(string customerId, CustomerStore store, SessionPolicyResolver resolver)
    {
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var customer = await store.GetAsync(customerId).ConfigureAwait(false);
        return customer is null
            ? AdminResults.NotFound($"No customer '{customerId}'.")
            : AdminResults.Json(View(customerId, customer.Settings, resolver), AdminJsonContext.Default.CustomerSettingsView);
    }

    private static async Task<IResult> ChangeAsync(string customerId, HttpRequest request, CustomerStore store, SessionPolicyResolver resolver, SessionControlChannel channel, ILoggerFactory loggers, bool merge)
    {
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var customer = await store.GetAsync(customerId).ConfigureAwait(false);
        if (customer is null)
        {
            return AdminResults.NotFound($"No customer '{customerId}'.");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return Invalid($"The body is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Invalid("The body must be a JSON object with any of: " + string.Join(", ", Fields) + ".");
            }

            var (settings, error) = Apply(merge ? customer.Settings : SessionSettingsOverrides.None, document.RootElement);
            if (error is not null)
            {
                return Invalid(error);
            }

            var problems = resolver.Validate(settings!);
            if (problems.Count > 0)
            {
                return Invalid(string.Join(" ", problems));
            }

            await store.ReplaceSettingsAsync(customerId, settings!).ConfigureAwait(false);
            await channel.PublishAsync(new ControlMessage { Kind = ControlMessage.SettingsChanged, CustomerId = customerId }).ConfigureAwait(false);
            // Once per change, and only what the customer's own settings shortened: the configuration's was logged at start.
            var shortened = resolver.ShortenedLeads(settings!);
            shortened.RemoveAll(resolver.ShortenedLeads(SessionSettingsOverrides.None).Contains);
            SessionControlLog.LeadsShortened(loggers.CreateLogger(typeof(SessionSettingsEndpoints)), customerId, shortened);
            return AdminResults.Json(View(customerId, settings!, resolver), AdminJsonContext.Default.CustomerSettingsView);
        }
    }

    private static (SessionSettingsOverrides? Settings, string? Error) Apply(SessionSettingsOverrides current, JsonElement body)
    {
        var settings = current;
        foreach (var property in body.EnumerateObject())
        {
            var value = property.Value;
            var clear = value.ValueKind == JsonValueKind.Null;
            switch (property.Name)
            {
                case "idle_mode":
                    if (clear)
                    {
                        settings = settings with { IdleMode = null };
                    }
                    else if (value.ValueKind == JsonValueKind.String && IdleModes.TryParse(value.GetString(), out var mode))
                    {
                        settings = settings with { IdleMode = mode };
                    }
                    else
                    {
                        return (null, $"idle_mode must be {IdleModes.Names}, or null to inherit.");
                    }

                    break;
                case "max_concurrent_sessions":
                    if (!clear && !(value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _)))
                    {
                        return (null, "max_concurrent_sessions must be a whole number (0 = unlimited), or null to inherit.");
                    }

                    settings = settings with { MaxConcurrentSessions = clear ? null : value.GetInt32() };
                    break;
                case "idle_timeout_ms" or "max_duration_ms" or "idle_warning_lead_ms" or "max_duration_warning_lead_ms":
                    TimeSpan? span = null;
                    if (!clear)
                    {
                        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var ms) || ms < 0)
                        {
                            return (null, $"{property.Name} must be a whole number of milliseconds, 0 or more, or null to inherit.");
                        }

                        span = TimeSpan.FromMilliseconds(ms);
                    }

                    settings = property.Name switch
                    {
                        "idle_timeout_ms" => settings with { IdleTimeout = span },
                        "max_duration_ms" => settings with { MaxDuration = span },
                        "idle_warning_lead_ms" => settings with { IdleWarningLead = span },
                        _ => settings with { MaxDurationWarningLead = span },
                    };
                    break;
                default:
                    return (null, $"Unknown setting '{property.Name}'; known: {string.Join(", ", Fields)}.");
            }
        }

        return (settings, null);
    }

    private static CustomerSettingsView View(string customerId, SessionSettingsOverrides overrides, SessionPolicyResolver resolver)
    {
        var effective = resolver.Resolve(overrides);
        return new CustomerSettingsView(
            customerId,
            new SessionSettingsValues(
                Ms(overrides.IdleTimeout),
                overrides.IdleMode is { } mode ? IdleModes.Name(mode) : null,
                Ms(overrides.MaxDuration),
                Ms(overrides.IdleWarningLead),
                Ms(overrides.MaxDurationWarningLead),
                overrides.MaxConcurrentSessions),
            new SessionSettingsValues(
                Ms(effective.IdleTimeout),
                IdleModes.Name(effective.IdleMode),
                Ms(effective.MaxDuration),
                Ms(effective.IdleWarningLead),
                Ms(effective.MaxDurationWarningLead),
                effective.MaxConcurrentSessions));
    }

    private static long? Ms(TimeSpan? span) => span is { } value ? (long)value.TotalMilliseconds : null;

    private static IResult Invalid(string message) => AdminResults.Error(StatusCodes.Status400BadRequest, "invalid_settings", message);
}
