using System.Text.Json;
using System.Text.Json.Nodes;
using Proxy.Billing;
using Proxy.Customers;
using Proxy.Sessions;

namespace Proxy.Admin;

/// <summary>A customer's own settings: PUT replaces them, PATCH changes some (null removes one); every change reaches
/// the customer's live sessions on every instance. Parsing, checking and showing each setting is its description's
/// job (<see cref="CustomerSetting"/>); this only knows which settings there are.</summary>
internal static class CustomerSettingsEndpoints
{
    private const string InvalidSettings = "invalid_settings";

    // Every per-customer setting, in the order the API shows them. A feature with settings of its own adds its table
    // here and its effective values in View.
    private static readonly Dictionary<string, CustomerSetting> Known =
        SessionSettings.All.Select(s => s.Setting).Concat(BudgetSettings.All).Concat(OriginSettings.All).Concat(UpstreamSettings.All).ToDictionary(s => s.Name, StringComparer.Ordinal);

    private static readonly string KnownNames = string.Join(", ", Known.Keys);

    public static RouteGroupBuilder MapCustomerSettingsEndpoints(this RouteGroupBuilder admin)
    {
        admin.MapGet("/customers/{customerId}/settings", GetAsync);
        admin.MapPut("/customers/{customerId}/settings", (string customerId, HttpRequest request, CustomerStore store, SessionPolicyResolver resolver, UpstreamUrlAllowList upstreams, SessionControlChannel channel, ILoggerFactory loggers) =>
            ChangeAsync(customerId, request, store, resolver, upstreams, channel, loggers, merge: false));
        admin.MapPatch("/customers/{customerId}/settings", (string customerId, HttpRequest request, CustomerStore store, SessionPolicyResolver resolver, UpstreamUrlAllowList upstreams, SessionControlChannel channel, ILoggerFactory loggers) =>
            ChangeAsync(customerId, request, store, resolver, upstreams, channel, loggers, merge: true));
        return admin;
    }

    private static async Task<IResult> GetAsync(string customerId, CustomerStore store, SessionPolicyResolver resolver, UpstreamUrlAllowList upstreams)
    {
        if (CustomerEndpoints.InvalidCustomerId(customerId) is { } invalid)
        {
            return invalid;
        }

        var customer = await store.GetAsync(customerId).ConfigureAwait(false);
        return customer is null
            ? AdminResults.NotFound($"No customer '{customerId}'.")
            : AdminResults.Json(View(customerId, customer.Settings, resolver, upstreams), AdminJsonContext.Default.CustomerSettingsView);
    }

    private static async Task<IResult> ChangeAsync(string customerId, HttpRequest request, CustomerStore store, SessionPolicyResolver resolver, UpstreamUrlAllowList upstreams, SessionControlChannel channel, ILoggerFactory loggers, bool merge)
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

        using var body = await JsonObjectBody.ReadAsync(request, InvalidSettings, KnownNames).ConfigureAwait(false);
        if (body.Error is { } refused)
        {
            return refused;
        }

        var (settings, errors) = Apply(merge ? customer.Settings : CustomerSettings.None, body.Root);
        if (UpstreamUrlRefused(body.Root, upstreams) is { } refusedUpstream)
        {
            errors.Add(refusedUpstream);
        }

        if (errors.Count > 0)
        {
            return JsonObjectBody.Invalid(InvalidSettings, errors);
        }

        await store.ReplaceSettingsAsync(customerId, settings).ConfigureAwait(false);
        await channel.PublishAsync(new ControlMessage { Kind = ControlMessage.SettingsChanged, CustomerId = customerId }).ConfigureAwait(false);
        // Once per change, and only what the customer's own settings shortened: the configuration's was logged at start.
        var shortened = resolver.ShortenedLeads(settings);
        shortened.RemoveAll(resolver.ShortenedLeads(CustomerSettings.None).Contains);
        SessionControlLog.LeadsShortened(loggers.CreateLogger(typeof(CustomerSettingsEndpoints)), customerId, shortened);
        return AdminResults.Json(View(customerId, settings, resolver, upstreams), AdminJsonContext.Default.CustomerSettingsView);
    }

    /// <summary>The body's changes on top of <paramref name="current"/>, or every problem with them at once.</summary>
    private static (CustomerSettings Settings, List<string> Errors) Apply(CustomerSettings current, JsonElement body)
    {
        var settings = current;
        var errors = new List<string>();
        foreach (var property in body.EnumerateObject())
        {
            if (!Known.TryGetValue(property.Name, out var setting))
            {
                errors.Add($"Unknown setting '{property.Name}'; known: {KnownNames}.");
            }
            else if (property.Value.ValueKind == JsonValueKind.Null)
            {
                settings = settings.With(setting, null);
            }
            else if (setting.TryParse(property.Value, out var storedText, out var error))
            {
                settings = settings.With(setting, storedText);
            }
            else
            {
                errors.Add(error);
            }
        }

        return (settings, errors);
    }

    // A pin set by this body must be a URL the configuration allows: an admin token alone must not be able to send a
    // customer's sessions, and its Deepgram key, to any host. A pin kept from before is left to the gateway, which
    // refuses its sessions if the list has changed since.
    private static string? UpstreamUrlRefused(JsonElement body, UpstreamUrlAllowList upstreams)
    {
        var setting = UpstreamSettings.UpstreamUrl;
        if (!body.TryGetProperty(setting.Name, out var value)
            || value.ValueKind == JsonValueKind.Null
            || !setting.TryParse(value, out var storedText, out _)
            || setting.Read(CustomerSettings.None.With(setting, storedText)) is not { } pinned
            || upstreams.Allows(pinned))
        {
            // Nothing pinned here, or a value Apply has already refused.
            return null;
        }

        return $"{setting.Name} {pinned.Url} is not an upstream the gateway may use; allowed (Upstream:Url, Upstream:AllowedUrls): {upstreams.Describe()}.";
    }

    private static CustomerSettingsView View(string customerId, CustomerSettings overrides, SessionPolicyResolver resolver, UpstreamUrlAllowList upstreams)
    {
        var policy = resolver.Resolve(overrides);
        var overridden = new JsonObject();
        var effective = new JsonObject();
        foreach (var session in SessionSettings.All)
        {
            overridden[session.Setting.Name] = session.Setting.OverrideJson(overrides);
            effective[session.Setting.Name] = session.EffectiveJson(policy);
        }

        foreach (var budget in BudgetSettings.All)
        {
            overridden[budget.Name] = budget.OverrideJson(overrides);
        }

        foreach (var (name, value) in BudgetSettings.EffectiveJson(overrides))
        {
            effective[name] = value;
        }

        foreach (var origins in OriginSettings.All)
        {
            overridden[origins.Name] = origins.OverrideJson(overrides);
        }

        foreach (var (name, value) in OriginSettings.EffectiveJson(overrides))
        {
            effective[name] = value;
        }

        foreach (var upstream in UpstreamSettings.All)
        {
            overridden[upstream.Name] = upstream.OverrideJson(overrides);
        }

        foreach (var (name, value) in UpstreamSettings.EffectiveJson(overrides, upstreams))
        {
            effective[name] = value;
        }

        return new CustomerSettingsView(customerId, overridden, effective);
    }
}
