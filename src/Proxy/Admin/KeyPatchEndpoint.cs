using System.Globalization;
using System.Text.Json;
using Proxy.Billing;
using Proxy.Customers;

namespace Proxy.Admin;

/// <summary><c>PATCH /admin/v1/keys/{keyId}</c>: changes a key's <c>expires_at</c> (rotation with overlap) and its
/// own <c>monthly_budget_micros</c>. A field left out stays as it is; null (or a budget of 0) removes it.</summary>
internal static class KeyPatchEndpoint
{
    private const string ExpiresAt = "expires_at";
    private const string InvalidBody = "invalid_body";

    private static readonly string Fields = $"{ExpiresAt}, {BudgetSettings.MonthlyBudget.Name}";

    public static async Task<IResult> PatchAsync(string keyId, HttpRequest request, CustomerStore store, TimeProvider time)
    {
        using var body = await JsonObjectBody.ReadAsync(request, InvalidBody, Fields).ConfigureAwait(false);
        if (body.Error is { } refused)
        {
            return refused;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var expires = KeyFieldChange.None;
        var budget = KeyFieldChange.None;
        var errors = new List<string>();
        foreach (var property in body.Root.EnumerateObject())
        {
            if (property.Name == ExpiresAt)
            {
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    expires = KeyFieldChange.To(null);
                }
                else if (!AdminTime.TryParse(property.Value, out var parsed))
                {
                    errors.Add("expires_at must be Unix milliseconds or an ISO-8601 instant such as \"2026-12-31T23:59:59Z\", or null for none.");
                }
                else if (parsed <= now)
                {
                    errors.Add("expires_at must be in the future.");
                }
                else
                {
                    expires = KeyFieldChange.To(parsed);
                }
            }
            else if (property.Name == BudgetSettings.MonthlyBudget.Name)
            {
                // The same rule as the customer's budget: one description of what a budget may be.
                if (property.Value.ValueKind == JsonValueKind.Null)
                {
                    budget = KeyFieldChange.To(null);
                }
                else if (BudgetSettings.MonthlyBudget.TryParse(property.Value, out var storedText, out var error))
                {
                    budget = KeyFieldChange.To(long.Parse(storedText, NumberStyles.Integer, CultureInfo.InvariantCulture));
                }
                else
                {
                    errors.Add(error);
                }
            }
            else
            {
                errors.Add($"Unknown field '{property.Name}'; known: {Fields}.");
            }
        }

        if (errors.Count > 0)
        {
            return JsonObjectBody.Invalid(InvalidBody, errors);
        }

        var key = await store.UpdateKeyAsync(keyId, expires, budget).ConfigureAwait(false);
        return key is null
            ? AdminResults.NotFound($"No key '{keyId}'.")
            : AdminResults.Json(CustomerEndpoints.View(key, now), AdminJsonContext.Default.KeyView);
    }
}
