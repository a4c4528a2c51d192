namespace Proxy.Benchmarks.Load;

/// <summary>CPU time (user + system, all threads) and resident memory of one or more processes at one instant.</summary>
internal readonly record struct ProcessSample(TimeSpan Cpu, long RssBytes, int Processes);
