using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Admin;
using Proxy.Storage;
using Proxy.Tests.TestSupport;
using StackExchange.Redis;

namespace Proxy.Tests.Admin;

/// <summary>The audit filter against a real redis-server (and one that is not there): which requests get an entry,
/// with which status, and what happens when Redis does not take it.</summary>
public sealed class AdminAuditFilterTests : IClassFixture<AuditLogStoreTests.Redis>
{
    private const string Route = "/admin/v1/customers/{customerId}";
    private static readonly AdminIdentity Finance = new("finance", AdminRole.Read);

    private readonly AuditLogStoreTests.Redis _redis;
    private readonly RedisKeys _keys = new($"t{Guid.NewGuid():N}:");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    public AdminAuditFilterTests(AuditLogStoreTests.Redis redis)
    {
        _redis = redis;
    }

    [Theory]
    [InlineData(201)]
    [InlineData(403)]
    [InlineData(503)]
    public async Task A_change_gets_one_entry_with_the_status_of_its_result(int status)
    {
        var http = AuditEntryTests.Request("PUT", "/admin/v1/customers/acme", Route);
        AdminIdentity.Set(http, Finance);
        var answer = Results.Json(new ErrorBody("x", "y"), statusCode: status);

        var result = await Filter(Store()).InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => ValueTask.FromResult<object?>(answer));

        Assert.Same(answer, result);
        var entry = Assert.Single((await Store().ReadAsync(new AuditQuery(0, long.MaxValue, null, 10, null))).Entries);
        Assert.Equal(("finance", "read", "PUT", "/admin/v1/customers/acme", Route, status, _time.GetUtcNow().ToUnixTimeMilliseconds()),
            (entry.Actor, entry.Role, entry.Method, entry.Path, entry.Route, entry.Status, entry.AtMs));
    }

    [Fact]
    public async Task A_result_without_a_status_gets_the_responses()
    {
        var http = AuditEntryTests.Request("POST", "/admin/v1/customers/acme/keys", "/admin/v1/customers/{customerId}/keys");
        AdminIdentity.Set(http, Finance);
        http.Response.StatusCode = StatusCodes.Status400BadRequest;

        await Filter(Store()).InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => ValueTask.FromResult<object?>(Results.Empty));

        Assert.Equal(400, Assert.Single((await Store().ReadAsync(new AuditQuery(0, long.MaxValue, null, 10, null))).Entries).Status);
    }

    [Fact]
    public async Task An_endpoint_that_throws_gets_an_entry_with_500_and_the_exception_goes_on()
    {
        var http = AuditEntryTests.Request("DELETE", "/admin/v1/customers/acme", Route);
        AdminIdentity.Set(http, Finance);

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await Filter(Store()).InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => throw new InvalidOperationException("bug")));

        Assert.Equal(500, Assert.Single((await Store().ReadAsync(new AuditQuery(0, long.MaxValue, null, 10, null))).Entries).Status);
    }

    [Theory]
    [InlineData("GET", true)]
    [InlineData("HEAD", true)]
    [InlineData("PUT", false)]
    public async Task Reads_and_unauthenticated_requests_get_no_entry(string method, bool authenticated)
    {
        var http = AuditEntryTests.Request(method, "/admin/v1/customers/acme", Route);
        if (authenticated)
        {
            AdminIdentity.Set(http, Finance);
        }

        await Filter(Store()).InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => ValueTask.FromResult<object?>(Results.Ok()));

        Assert.Empty((await Store().ReadAsync(new AuditQuery(0, long.MaxValue, null, 10, null))).Entries);
    }

    [Fact]
    public async Task An_entry_redis_does_not_take_is_logged_whole_without_the_token_counted_and_the_answer_kept()
    {
        var options = new ConfigurationOptions { AbortOnConnectFail = false, BacklogPolicy = BacklogPolicy.FailFast, ConnectTimeout = 500 };
        options.EndPoints.Add("127.0.0.1", FreePort.Next());
        await using var nowhere = await ConnectionMultiplexer.ConnectAsync(options);
        var meters = TestMetrics.NewMeterFactory();
        using var failures = new MetricCollector<long>(meters, "Proxy", "dgproxy.admin.audit.write.failures");
        var logger = new FakeLogger<AdminAuditFilter>();
        var filter = new AdminAuditFilter(new AuditLogStore(nowhere, _keys, Options.Create(new AdminOptions())), _time, new AdminMetrics(meters), logger);
        var http = AuditEntryTests.Request("PUT", "/admin/v1/customers/acme", Route);
        AdminIdentity.Set(http, Finance);
        var answer = Results.Json(new ErrorBody("x", "y"), statusCode: 201);

        var result = await filter.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), _ => ValueTask.FromResult<object?>(answer));

        Assert.Same(answer, result);
        var line = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 5055);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Error, line.Level);
        foreach (var field in new[] { "finance", "read", "PUT", "/admin/v1/customers/acme", Route, "201", _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            Assert.Contains(field, line.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(http.Request.Headers.Authorization.ToString()["Bearer ".Length..], line.Message, StringComparison.Ordinal);
        Assert.Equal(1, failures.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    private AuditLogStore Store() => new(_redis.Server.Connection!, _keys, Options.Create(new AdminOptions()));

    private AdminAuditFilter Filter(AuditLogStore store) =>
        new(store, _time, new AdminMetrics(TestMetrics.NewMeterFactory()), new FakeLogger<AdminAuditFilter>());
}
