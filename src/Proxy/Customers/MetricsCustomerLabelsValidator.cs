using Microsoft.Extensions.Options;
using Proxy.Telemetry;

namespace Proxy.Customers;

/// <summary>Every entry of <c>Metrics:CustomerLabels</c> is a well-formed customer id: a typo would otherwise label
/// nobody, silently.</summary>
internal sealed class MetricsCustomerLabelsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options)
    {
        var failures = new List<string>();
        foreach (var customer in options.CustomerLabels)
        {
            if (!CustomerIds.IsValid(customer))
            {
                failures.Add(MetricsOptionsValidator.NotACustomerId(customer));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
