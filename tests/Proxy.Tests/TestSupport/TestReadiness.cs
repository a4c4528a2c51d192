using Microsoft.Extensions.Hosting;
using Proxy.Runtime;

namespace Proxy.Tests.TestSupport;

/// <summary>Record storage whose state a test sets (what Storage tells readiness).</summary>
internal sealed record TestStorageStatus(bool IsRedisConnected, bool IsSpoolFull, bool FailOpen) : IRecordStorageStatus
{
    public bool IsRedisConnected { get; set; } = IsRedisConnected;

    public bool IsSpoolFull { get; set; } = IsSpoolFull;

    public bool FailOpen { get; set; } = FailOpen;
}

/// <summary>An application lifetime a test can stop.</summary>
internal sealed class TestLifetime : IHostApplicationLifetime, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => _stopping.Token;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    public void StopApplication() => _stopping.Cancel();

    public void Dispose() => _stopping.Dispose();
}
