namespace Proxy.Benchmarks.Load;

/// <summary>What the compare subcommand runs: the streaming sizes (with which generators, how many times) and the idle run, against which targets.</summary>
internal sealed record CompareSettings(
    IReadOnlyList<int> Sizes,
    IReadOnlyList<TargetKind> Targets,
    IReadOnlyList<GeneratorKind> Generators,
    int Runs,
    TimeSpan Duration,
    TimeSpan WarmUp,
    int IdleSessions,
    TimeSpan Hold,
    string? IdleNote,
    int Senders,
    int ConnectConcurrency,
    bool Quick,
    string? OutPath,
    IReadOnlyDictionary<string, string> ProxyEnvironment);
