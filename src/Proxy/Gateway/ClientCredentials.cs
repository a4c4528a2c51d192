namespace Proxy.Gateway;

/// <summary>What the client presented on its upgrade request.</summary>
internal sealed record ClientCredentials(string Secret, CredentialSource Source, bool OfferedTokenSubprotocol, string? ClientSessionId)
{
    /// <summary>The client offered the <c>bearer</c> subprotocol (browsers presenting an access token).</summary>
    public bool OfferedBearerSubprotocol { get; init; }

    /// <summary>The secret is an access token (from <c>/v1/auth/grant</c>), not a proxy key.</summary>
    public bool IsAccessToken => Source is CredentialSource.BearerHeader or CredentialSource.BearerSubprotocol;

    /// <summary>The subprotocol the client is answered with: the scheme it authenticated with, never the secret;
    /// null when it offered none.</summary>
    public string? AnsweredSubprotocol =>
        IsAccessToken
            ? (OfferedBearerSubprotocol ? ClientCredentialParser.BearerScheme : null)
            : (OfferedTokenSubprotocol ? ClientCredentialParser.TokenScheme : null);

    /// <summary>The client offered a subprotocol that stands for a credential, so the upstream gets one too.</summary>
    public bool OfferedCredentialSubprotocol => OfferedTokenSubprotocol || OfferedBearerSubprotocol;
}
