using Proxy.Customers;
using Proxy.Telemetry;

namespace Proxy.Tests.Customers;

public sealed class MetricsCustomerLabelsValidatorTests
{
    [Fact]
    public void Only_well_formed_customer_ids_may_be_labelled_each_bad_one_named()
    {
        var validator = new MetricsCustomerLabelsValidator();

        Assert.True(validator.Validate(null, new MetricsOptions { CustomerLabels = ["acme", "globex.eu_1"] }).Succeeded);
        Assert.True(validator.Validate(null, new MetricsOptions()).Succeeded);
        var bad = validator.Validate(null, new MetricsOptions { CustomerLabels = ["acme", "Not An Id!", ""] });
        Assert.True(bad.Failed);
        Assert.Contains("'Not An Id!' is not a customer id", bad.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("'' is not a customer id", bad.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("'acme'", bad.FailureMessage, StringComparison.Ordinal);
    }
}
