using Proxy.FunctionalTests.ScaleOut;

namespace Proxy.FunctionalTests.Cluster;

/// <summary>The two-instance scenarios on a real Redis Cluster (three masters with a replica each): records, limits,
/// settings, kills and usage hold when each customer's state lives on whichever master owns its slot.</summary>
public sealed class ClusterTests : TwoInstanceSuite, IClassFixture<ClusterGatewayFixture>
{
    public ClusterTests(ClusterGatewayFixture gateway)
        : base(gateway)
    {
    }
}
