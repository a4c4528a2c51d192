using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Proxy.Telemetry;

/// <summary>The opt-in <c>customer</c> label: the customer's id when the operator allow-listed it, else
/// <c>other</c>, so the number of series stays bounded whatever customers come and go.</summary>
internal sealed class CustomerLabel
{
    public const string Name = "customer";
    public const string Other = "other";

    private readonly FrozenSet<string> _allowed;

    public CustomerLabel(IOptions<MetricsOptions> options)
    {
        _allowed = options.Value.CustomerLabels.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Whether the labelled metrics carry a <c>customer</c> label at all.</summary>
    public bool IsEnabled => _allowed.Count > 0;

    public string ValueFor(string customerId) => _allowed.Contains(customerId) ? customerId : Other;

    /// <summary>Every value the label can take.</summary>
    public IEnumerable<string> Values => _allowed.Append(Other);
}
