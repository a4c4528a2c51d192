using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Cluster;

/// <summary>After a master failover the killed master stays in every instance's node list (and in the cluster's map,
/// flagged failed), unreachable for good: the orphan reaper must still run. A cluster of its own: the failover
/// changes the topology for whatever runs after it.</summary>
public sealed class ClusterReaperFailoverTests : IClassFixture<ClusterGatewayFixture>
{
    private readonly ClusterGatewayFixture _gateway;

    public ClusterReaperFailoverTests(ClusterGatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task After_a_master_failover_a_killed_instances_sessions_are_still_reaped()
    {
        await _gateway.Cluster.KillMasterAsync(0);
        var doomed = await _gateway.StartProxyAsync();
        try
        {
            var customers = new[] { "cluster-reap-after-failover-a", "cluster-reap-after-failover-b", "cluster-reap-after-failover-c" };
            var clients = new List<AgentTestClient>();
            foreach (var customer in customers)
            {
                var (_, secret) = await _gateway.First.IssueKeyAsync(customer);
                await _gateway.First.PatchSettingsAsync(customer, new { idle_timeout_ms = 0 });
                var (client, _) = await AgentTestClient.StartSessionAsync(doomed.AgentUrl(), secret);
                clients.Add(client);
            }

            await doomed.Process.KillAsync();
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            // Nobody renews the dead instance's leases: the survivors' reaper closes each session, once.
            foreach (var customer in customers)
            {
                var record = Assert.Single(await _gateway.Second.WaitForClosedRecordsAsync(customer, 1, TimeSpan.FromSeconds(30)));
                Assert.Equal("orphaned", record.GetProperty("close_reason").GetString());
                Assert.Single(await _gateway.First.ListSessionsAsync(customer));
            }
        }
        finally
        {
            await doomed.DisposeAsync();
        }
    }
}
