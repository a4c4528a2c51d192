using Microsoft.Extensions.Options;

namespace Proxy.Telemetry;

/// <summary>The label's own rules: a bounded allow-list, and no customer named like the catch-all value. Whether each
/// entry is a customer id at all is the customers' rule (<c>Customers.MetricsCustomerLabelsValidator</c>).</summary>
internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var failures = new List<string>();
        if (options.CustomerLabels.Length > MetricsOptions.MaxCustomerLabels)
        {
            failures.Add($"Metrics:CustomerLabels lists {options.CustomerLabels.Length} customers; at most {MetricsOptions.MaxCustomerLabels} may be labelled.");
        }

        foreach (var customer in options.CustomerLabels)
        {
            if (customer == CustomerLabel.Other)
            {
                failures.Add(NotACustomerId(customer));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static string NotACustomerId(string customer) => $"Metrics:CustomerLabels: '{customer}' is not a customer id.";
}
