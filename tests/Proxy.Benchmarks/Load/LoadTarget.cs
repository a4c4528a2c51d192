namespace Proxy.Benchmarks.Load;

/// <summary>Where the sessions go, the key they present, and which processes to measure (none: not measured).</summary>
internal sealed record LoadTarget(string Name, Uri Url, string Key, Func<IReadOnlyList<int>>? MeasuredProcesses);
