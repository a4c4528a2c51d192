using BenchmarkDotNet.Running;
using Proxy.Benchmarks.Sessions;

// Microbenchmarks: `dotnet run -c Release --project tests/Proxy.Benchmarks -- --filter '*'`.
BenchmarkSwitcher.FromAssembly(typeof(SessionSweepBenchmarks).Assembly).Run(args);
