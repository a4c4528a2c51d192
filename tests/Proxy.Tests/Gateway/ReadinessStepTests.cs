using Proxy.Gateway;
using Proxy.Runtime;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Gateway;

public sealed class ReadinessStepTests : IDisposable
{
    private readonly TestLifetime _lifetime = new();
    private readonly TestStorageStatus _storage = new(IsRedisConnected: true, IsSpoolFull: false, FailOpen: false);
    private readonly ReadinessStep _step;

    public ReadinessStepTests()
    {
        _step = new ReadinessStep(new ProxyReadiness(_storage, _lifetime));
    }

    public void Dispose() => _lifetime.Dispose();

    [Fact]
    public async Task A_ready_instance_lets_the_client_on() => Assert.Null(await _step.RunAsync(AdmissionRequests.Upgrade()));

    [Fact]
    public async Task An_instance_without_its_storage_answers_503_not_ready_saying_to_retry()
    {
        _storage.IsRedisConnected = false;
        var refusal = await _step.RunAsync(AdmissionRequests.Upgrade());
        Assert.Equal((503, "not_ready"), (refusal?.StatusCode, refusal?.Error));
        Assert.Contains("storage", refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopping_instance_answers_503_not_ready_saying_to_reconnect()
    {
        _lifetime.StopApplication();
        var refusal = await _step.RunAsync(AdmissionRequests.Upgrade());
        Assert.Equal((503, "not_ready"), (refusal?.StatusCode, refusal?.Error));
        Assert.Contains("shutting down", refusal!.Message, StringComparison.Ordinal);
    }
}
