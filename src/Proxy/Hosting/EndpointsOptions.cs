namespace Proxy.Hosting;

/// <summary>Binds the <c>Endpoints</c> configuration section.</summary>
internal sealed class EndpointsOptions
{
    public const string SectionName = "Endpoints";

    /// <summary>Where voice apps connect.</summary>
    public string Proxy { get; set; } = "http://0.0.0.0:8080";

    /// <summary>Admin API, <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>. Loopback by default: the admin API
    /// manages keys and must not face the internet.</summary>
    public string Admin { get; set; } = "http://127.0.0.1:9090";

    /// <summary>Run socket completions, and the copy loops they resume, on the socket engine's threads instead of
    /// queueing each one to the thread pool: the frame path does only counting, so this saves a thread hop per
    /// read and write on both connections (see tests/Proxy.Benchmarks/README.md for what it saves).</summary>
    public bool InlineIo { get; set; } = true;

    /// <summary>Threads polling the sockets (.NET's socket engines); with <see cref="InlineIo"/> the frame path runs on
    /// them. 0 leaves .NET's default (one per core with inline I/O), which gave the lower latency below saturation on
    /// 2 cores; 1 was about 9 % cheaper per frame at saturation there (tests/Proxy.Benchmarks/README.md).</summary>
    public int SocketThreads { get; set; }
}
