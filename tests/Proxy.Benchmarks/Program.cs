using BenchmarkDotNet.Running;
using Proxy.Benchmarks.Load;
using Proxy.Benchmarks.Precision;
using Proxy.Benchmarks.Sessions;

// Load generator and comparison (see README.md, "Load comparison"):
//   dotnet run -c Release --project tests/Proxy.Benchmarks -- compare [--quick]
//   dotnet run -c Release --project tests/Proxy.Benchmarks -- load --url ws://… --key …
//   dotnet run -c Release --project tests/Proxy.Benchmarks -- redis-compare [--quick]
//   dotnet run -c Release --project tests/Proxy.Benchmarks -- live-list [--customers 1000 --live 10 --refreshes 200]   (README: "Live list")
//   dotnet run -c Release --project tests/Proxy.Benchmarks -- precision [--quick] [--tls]   (README: "Precision against the wire")
// Anything else goes to BenchmarkDotNet's microbenchmarks: `… -- --filter '*'`.
switch (args)
{
    case ["load", .. var rest]:
        GeneratorRuntime.Configure();
        return await LoadCommand.RunAsync(rest);
    case ["compare", .. var rest]:
        GeneratorRuntime.Configure();
        return await CompareCommand.RunAsync(rest);
    case ["redis-compare", .. var rest]:
        GeneratorRuntime.Configure();
        return await RedisCompareCommand.RunAsync(rest);
    case ["live-list", .. var rest]:
        return await LiveListCommand.RunAsync(rest);
    case ["relay", .. var rest]:
        // The compare command's relay target (RelayServer starts it with the proxy's runtime settings).
        return await RelayCommand.RunAsync(rest);
    case ["precision", .. var rest]:
        return await PrecisionCommand.RunAsync(rest);
    default:
        BenchmarkSwitcher.FromAssembly(typeof(SessionSweepBenchmarks).Assembly).Run(args);
        return 0;
}
