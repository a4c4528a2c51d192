using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Proxy.Gateway;
using Proxy.Tunnel;
using Proxy.Sessions;
using Proxy.Telemetry;

namespace Proxy.Benchmarks.Sessions;

/// <summary>
/// What idle and max-duration enforcement costs: one sweep over N live sessions, none of them due (the common case:
/// every session is checked, none is closed). At the default 100 ms interval an instance sweeps 10 times a second,
/// so CPU per second = 10 × the mean below.
/// </summary>
[MemoryDiagnoser]
public class SessionSweepBenchmarks : IDisposable
{
    private SessionSupervisor _supervisor = null!;

    [Params(1_000, 10_000)]
    public int Sessions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new SessionControlOptions();
        var monitor = new StaticOptionsMonitor(options);
        var registry = new SessionRegistry();
        var time = TimeProvider.System;
        var policy = new SessionPolicyResolver(monitor).Defaults;
        for (var i = 0; i < Sessions; i++)
        {
            var identity = new SessionIdentity(Guid.CreateVersion7().ToString(), $"customer-{i % 50}", $"key_{i}", null, "bench", null);
            var session = new AgentSession(identity, time, 4096, policy);
            session.OnUpstreamOpened(time.GetTimestamp(), time.GetUtcNow().ToUnixTimeMilliseconds());
            registry.Add(session);
        }

        var metrics = new ProxyMetrics(
            new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(),
            new CustomerLabel(Options.Create(new MetricsOptions())));
        _supervisor = new SessionSupervisor(registry, new SessionCloser(monitor, metrics, NullLogger<SessionCloser>.Instance), monitor, time, metrics, Options.Create(new UpstreamOptions()), NullLogger<SessionSupervisor>.Instance);
    }

    [Benchmark]
    public void Sweep() => _supervisor.Sweep();

    public void Dispose()
    {
        _supervisor?.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed class StaticOptionsMonitor(SessionControlOptions value) : IOptionsMonitor<SessionControlOptions>
    {
        public SessionControlOptions CurrentValue => value;

        public SessionControlOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<SessionControlOptions, string?> listener) => null;
    }
}
