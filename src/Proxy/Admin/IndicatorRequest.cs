using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Proxy.Billing;

namespace Proxy.Admin;

/// <summary>The body of an indicator post, <c>{"name":..,"value":number}</c>, checked field by field so a 400 names
/// the field at fault. The value is any non-negative JSON number (kept exactly; it is not priced).</summary>
internal sealed record IndicatorRequest(string Name, decimal Value)
{
    public static bool TryParse(string body, [NotNullWhen(true)] out IndicatorRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            error = "The body must be a JSON object {\"name\":..,\"value\":number}.";
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "The body must be a JSON object {\"name\":..,\"value\":number}.";
                return false;
            }

            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("name" or "value"))
                {
                    error = $"Unknown field '{property.Name}': the body has only name and value.";
                    return false;
                }
            }

            if (!root.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
                || nameElement.GetString() is not { } name || !IndicatorNames.IsValid(name))
            {
                error = $"name is required: {IndicatorNames.Rule}.";
                return false;
            }

            if (!root.TryGetProperty("value", out var valueElement) || valueElement.ValueKind != JsonValueKind.Number)
            {
                error = "value is required and must be a number.";
                return false;
            }

            if (!valueElement.TryGetDecimal(out var value))
            {
                error = "value is out of range.";
                return false;
            }

            if (value < 0)
            {
                error = "value must not be negative.";
                return false;
            }

            request = new IndicatorRequest(name, value);
            error = null;
            return true;
        }
    }
}
