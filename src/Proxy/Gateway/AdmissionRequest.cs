using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Proxy.Customers;
using Proxy.Sessions;

namespace Proxy.Gateway;

/// <summary>What the admission pipeline has learnt about one upgrade request so far; each step fills in its part.</summary>
internal sealed class AdmissionRequest
{
    public AdmissionRequest(HttpContext http)
    {
        Http = http;
    }

    public HttpContext Http { get; }

    public IPAddress? RemoteIp => Http.Connection.RemoteIpAddress;

    /// <summary>The request's upgrade feature (handshake step).</summary>
    public IHttpUpgradeFeature? Upgrade { get; set; }

    /// <summary>The key (or token) and client session id the client presented (credential step).</summary>
    public ClientCredentials? Credentials { get; set; }

    /// <summary>What the key check found: an accepted key, or one whose customer is disabled (credential step).</summary>
    public KeyAuthenticationResult? Authentication { get; set; }

    /// <summary>The customer's session rules (customer step).</summary>
    public SessionPolicy? Policy { get; set; }

    /// <summary>The customer's pinned upstream base URL in the forwarder's http(s) form; null for <c>Upstream:Url</c>
    /// (upstream URL step).</summary>
    public string? UpstreamBaseUrl { get; set; }

    /// <summary>The Deepgram key to present upstream, in clear, for this request only (upstream key step).</summary>
    public string? UpstreamKey { get; set; }

    /// <summary>Whether the session holds a lease on its capped Deepgram key in Redis (lease step); false when the
    /// key is not capped or Redis could not be asked.</summary>
    public bool UpstreamKeyLeased { get; set; }

    /// <summary>The admitted session's identity (lease step).</summary>
    public SessionIdentity? Identity { get; set; }

    /// <summary>This instance's place for the session (lease step); given back if the session never starts.</summary>
    public SessionSlot? Slot { get; set; }

    public ProxyKey Key => Authentication?.Key ?? throw StepMissing("credential");

    public Customer Customer => Authentication?.Customer ?? throw StepMissing("credential");

    private static InvalidOperationException StepMissing(string step) => new($"The {step} step has not run.");
}
