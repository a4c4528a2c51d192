using StackExchange.Redis;

namespace Proxy.FunctionalTests.ScaleOut;

/// <summary>Two proxy instances and the emulator on one Redis deployment (a single server or a cluster): what
/// <see cref="TwoInstanceSuite"/> runs its scenarios against, so the same scenarios prove both deployments.</summary>
internal interface ITwoInstanceGateway
{
    ProxyServer First { get; }

    ProxyServer Second { get; }

    IReadOnlyList<ProxyServer> Instances { get; }

    /// <summary>The test's own client, following the deployment's slot map where it has one.</summary>
    IDatabase Database { get; }

    /// <summary>How many masters the deployment was started with.</summary>
    int MasterCount { get; }

    /// <summary>Every master as the test's admin connection sees it, ordered by endpoint.</summary>
    IReadOnlyList<IServer> Masters { get; }

    /// <summary>Another instance on the same Redis and emulator, with <see cref="TwoInstanceSettings"/> and
    /// <paramref name="overrides"/> on top.</summary>
    Task<ProxyServer> StartProxyAsync(IDictionary<string, string>? overrides = null);

    /// <summary>Customers named <c>&lt;prefix&gt;-&lt;n&gt;</c>, <paramref name="perMaster"/> of them on each master.</summary>
    Task<IReadOnlyList<string>> CustomersOnEveryMasterAsync(string prefix, int perMaster);
}
