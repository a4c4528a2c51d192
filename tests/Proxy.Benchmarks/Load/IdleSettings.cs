namespace Proxy.Benchmarks.Load;

/// <summary>An idle run: <see cref="Sessions"/> sessions sending only KeepAlive every <see cref="KeepAliveInterval"/>,
/// held for <see cref="Hold"/> once all are open.</summary>
internal sealed record IdleSettings(int Sessions, TimeSpan Hold, int Senders, int ConnectConcurrency)
{
    public static TimeSpan KeepAliveInterval { get; } = TimeSpan.FromSeconds(5);
}
