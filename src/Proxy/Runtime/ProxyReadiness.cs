namespace Proxy.Runtime;

/// <summary>
/// Whether this instance takes new sessions: not stopping, and either Redis is reachable or – under the fail_open
/// policy – the local spool can still take the records (it is under its size bound).
/// </summary>
internal sealed class ProxyReadiness
{
    private readonly IRecordStorageStatus _storage;
    private readonly IHostApplicationLifetime _lifetime;

    public ProxyReadiness(IRecordStorageStatus storage, IHostApplicationLifetime lifetime)
    {
        _storage = storage;
        _lifetime = lifetime;
    }

    public bool IsStopping => _lifetime.ApplicationStopping.IsCancellationRequested;

    public bool IsRedisConnected => _storage.IsRedisConnected;

    public bool IsSpoolFull => _storage.IsSpoolFull;

    public bool FailOpen => _storage.FailOpen;

    public bool IsReady => !IsStopping && (IsRedisConnected || (FailOpen && !IsSpoolFull));
}
