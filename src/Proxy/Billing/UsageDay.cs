namespace Proxy.Billing;

/// <summary>One day's usage aggregate of a customer, as the finalize script left it: the hash's fields and values
/// (see <see cref="UsageField"/> for their names).</summary>
internal sealed record UsageDay(DateOnly Day, IReadOnlyDictionary<string, string> Fields);
