namespace Proxy.Hosting;

/// <summary>Binds the <c>Endpoints</c> configuration section.</summary>
internal sealed class EndpointsOptions
{
    public const string SectionName = "Endpoints";

    /// <summary>Where voice apps connect.</summary>
    public string Proxy { get; set; } = "http://0.0.0.0:8080";

    /// <summary>Admin API, <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>. Loopback by default: the admin API
    /// manages keys and must not face the internet.</summary>
    public string Admin { get; set; } = "http://127.0.0.1:9090";
}
