using Proxy.Tunnel;

namespace Proxy.Gateway;

/// <summary>What the client presented on its upgrade request.</summary>
internal sealed record ClientCredentials(string Secret, CredentialSource Source, bool OfferedTokenSubprotocol, string? ClientSessionId);
