namespace Proxy.Benchmarks.Load;

/// <summary>One <c>redis-compare</c> row: the same short-session load over two instances against one Redis setup.</summary>
internal sealed record RedisLoadResult(
    string Redis,
    string ReplicaAck,
    string CustomersPerMaster,
    ShortSessionResult Load,
    RecordAuditResult Records,
    bool Settled,
    long FinalsSpooled,
    TimeSpan ProxyCpu,
    RedisCommandStats Commands)
{
    private int Opened => Load.Opened.Count;

    public double? CpuMsPerSession => Opened > 0 ? ProxyCpu.TotalMilliseconds / Opened : null;

    public double? CommandsPerSession => Per(Commands.Total);

    public double? ScriptsPerSession => Per(Commands["eval"] + Commands["evalsha"]);

    public double? WaitsPerSession => Per(Commands["wait"]);

    public double? PerSession(string command) => Per(Commands[command]);

    public bool Clean => Load.Errors == 0 && Opened == Load.Sessions && Settled && Records.Clean;

    private double? Per(long count) => Opened > 0 ? (double)count / Opened : null;
}
