using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Proxy.Customers;
using Proxy.Gateway;

namespace Proxy.Tests.Gateway;

/// <summary>Upgrade requests as Kestrel hands them to the agent endpoint, for the admission steps' tests.</summary>
internal static class AdmissionRequests
{
    public const string ValidWebSocketKey = "dGhlIHNhbXBsZSBub25jZQ==";

    public static readonly IPAddress Client = IPAddress.Parse("203.0.113.7");

    public static AdmissionRequest Upgrade(Action<HttpRequest>? change = null, bool upgradable = true)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = Client;
        context.Features.Set<IHttpUpgradeFeature>(new UpgradeFeature(upgradable));
        var request = context.Request;
        request.Method = "GET";
        request.Path = "/v1/agent/converse";
        request.Headers.Connection = "Upgrade";
        request.Headers.Upgrade = "websocket";
        request.Headers.SecWebSocketVersion = "13";
        request.Headers.SecWebSocketKey = ValidWebSocketKey;
        change?.Invoke(request);
        return new AdmissionRequest(context);
    }

    public static AdmissionRequest Authenticated(Customer customer, string? protectedUpstreamKey = null, KeyAuthenticationOutcome outcome = KeyAuthenticationOutcome.Accepted)
    {
        var request = Upgrade();
        request.Authentication = new KeyAuthenticationResult(outcome, Key(customer.CustomerId), customer, protectedUpstreamKey);
        return request;
    }

    public static Customer Customer(string id = "acme", bool disabled = false) => new() { CustomerId = id, Plan = "pro", Disabled = disabled };

    public static ProxyKey Key(string customerId) => new() { KeyId = "key_1", CustomerId = customerId, Prefix = "dgp_abcd" };

    private sealed class UpgradeFeature(bool upgradable) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => upgradable;

        public Task<Stream> UpgradeAsync() => throw new InvalidOperationException("Admission never upgrades.");
    }
}
