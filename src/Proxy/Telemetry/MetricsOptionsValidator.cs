using Microsoft.Extensions.Options;
using Proxy.Customers;

namespace Proxy.Telemetry;

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
            if (!CustomerIds.IsValid(customer) || customer == CustomerLabel.Other)
            {
                failures.Add($"Metrics:CustomerLabels: '{customer}' is not a customer id.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
