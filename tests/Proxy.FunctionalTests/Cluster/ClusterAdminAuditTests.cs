using System.Net.Http.Json;
using System.Text.Json;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Cluster;

/// <summary>The admin audit log on a real Redis Cluster: changes made through either instance are in the one log
/// (a single stream key, on one master), read newest first through either instance.</summary>
public sealed class ClusterAdminAuditTests : IClassFixture<ClusterGatewayFixture>
{
    private readonly ClusterGatewayFixture _gateway;

    public ClusterAdminAuditTests(ClusterGatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Changes_through_both_instances_are_in_one_audit_log_newest_first()
    {
        var customer = "cluster-audit-" + Guid.NewGuid().ToString("N")[..8];
        await _gateway.First.PutCustomerAsync(customer, new { name = "Audited" });
        using (var patch = await _gateway.Second.Admin.PatchAsJsonAsync(new Uri($"/admin/v1/customers/{customer}/settings", UriKind.Relative), new { idle_timeout_ms = 20000 }))
        {
            patch.EnsureSuccessStatusCode();
        }

        foreach (var reader in _gateway.Instances)
        {
            var log = await reader.Admin.GetFromJsonAsync<JsonElement>(new Uri("/admin/v1/audit?actor=Admin:Tokens:0&limit=1000", UriKind.Relative));
            var mine = log.GetProperty("entries").EnumerateArray()
                .Where(e => e.GetProperty("path").GetString()!.Contains(customer, StringComparison.Ordinal))
                .Select(e => (e.GetProperty("method").GetString(), e.GetProperty("route").GetString(), e.GetProperty("status").GetInt32()))
                .ToList();
            Assert.Equal(
                [
                    ("PATCH", "/admin/v1/customers/{customerId}/settings", 200),
                    ("PUT", "/admin/v1/customers/{customerId}", 201),
                ],
                mine);
        }
    }
}
