namespace Proxy.Emulator;

/// <summary>
/// Test hook: faults the REST endpoints answer instead of serving, so a client's retry and backoff can be tested
/// offline. Each rule answers its status to the next <c>count</c> matching requests (rules in the order added), with
/// <c>Retry-After</c> when it has one; <c>path_contains</c> and <c>method</c> narrow what it matches.
/// </summary>
internal sealed class ManagementFaults
{
    private readonly List<ManagementFault> _rules = [];
    private readonly Lock _gate = new();

    public void Add(ManagementFault fault)
    {
        lock (_gate)
        {
            _rules.Add(fault);
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
        }
    }

    /// <summary>The rules with requests left to fault, <c>count</c> being what is left.</summary>
    public ManagementFault[] Pending()
    {
        lock (_gate)
        {
            return [.. _rules];
        }
    }

    /// <summary>The fault this request gets, using one of its rule's count; null when none matches.</summary>
    public ManagementFault? TryTake(string method, string path)
    {
        lock (_gate)
        {
            var index = _rules.FindIndex(rule =>
                (rule.PathContains is null || path.Contains(rule.PathContains, StringComparison.Ordinal))
                && (rule.Method is null || rule.Method.Equals(method, StringComparison.OrdinalIgnoreCase)));
            if (index < 0)
            {
                return null;
            }

            var rule = _rules[index];
            if (rule.Count <= 1)
            {
                _rules.RemoveAt(index);
            }
            else
            {
                _rules[index] = rule with { Count = rule.Count - 1 };
            }

            return rule;
        }
    }
}

/// <summary>One fault rule (<c>POST /emulator/v1/management-faults</c>).</summary>
/// <param name="Status">The status to answer, 400–599.</param>
/// <param name="Count">How many matching requests get it (when listed: how many are left).</param>
/// <param name="RetryAfterSeconds">Sent as <c>Retry-After</c> when given.</param>
/// <param name="PathContains">Only requests whose path contains this.</param>
/// <param name="Method">Only requests with this HTTP method.</param>
internal sealed record ManagementFault(int Status, int Count, int? RetryAfterSeconds, string? PathContains, string? Method);
