using System.Security.Cryptography;

namespace Proxy.Runtime;

/// <summary>This process's identity in records and logs (<c>Instance:Id</c>; default host name plus a random
/// suffix, so a restarted process is a new instance and its predecessor's sessions are recognisably orphaned).</summary>
internal sealed class ProxyInstance
{
    public ProxyInstance(IConfiguration configuration)
    {
        var configured = configuration["Instance:Id"];
        Id = string.IsNullOrWhiteSpace(configured)
            ? $"{Environment.MachineName.ToLowerInvariant()}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}"
            : configured.Trim();
    }

    public string Id { get; }
}
