namespace Proxy.FunctionalTests.ScaleOut;

/// <summary>The two-instance scenarios on one redis-server: records, limits, settings, kills, usage, reaping and the
/// eviction-policy check hold for an operator who scales out the proxy without a Redis Cluster.</summary>
public sealed class SingleRedisTwoInstanceTests : TwoInstanceSuite, IClassFixture<SingleRedisGatewayFixture>
{
    public SingleRedisTwoInstanceTests(SingleRedisGatewayFixture gateway)
        : base(gateway)
    {
    }
}
