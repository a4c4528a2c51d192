using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Proxy.Emulator;

/// <summary>Checks Deepgram credentials the way Deepgram does: <c>Authorization: Token &lt;key&gt;</c>, or
/// the subprotocol pair <c>token, &lt;key&gt;</c> that browsers use because they cannot set headers.</summary>
internal sealed class ApiKeyAuthenticator(IOptions<EmulatorOptions> options)
{
    private const string TokenScheme = "Token";
    private const string TokenProtocol = "token";

    private readonly byte[][] _keyDigests = [.. options.Value.ApiKeys.Select(KeyFingerprint.Sha256)];

    public AuthResult Authenticate(HttpRequest request, IReadOnlyList<string> requestedProtocols)
    {
        // The header wins when present, so a client cannot mask a bad header with a subprotocol key.
        var authorization = request.Headers[HeaderNames.Authorization].ToString();
        if (authorization.Length > 0)
        {
            var separator = authorization.IndexOf(' ', StringComparison.Ordinal);
            if (separator <= 0 || !authorization.AsSpan(0, separator).Equals(TokenScheme, StringComparison.OrdinalIgnoreCase))
            {
                return Fail("Authorization header is not of the form 'Token <key>'", null);
            }

            return Check(authorization[(separator + 1)..].Trim(), AuthMethods.Header, acceptedSubprotocol: null);
        }

        var tokenIndex = IndexOfTokenProtocol(requestedProtocols);
        if (tokenIndex < 0)
        {
            return Fail("no credentials", null);
        }

        if (tokenIndex + 1 >= requestedProtocols.Count)
        {
            return Fail("subprotocol 'token' is not followed by a key", null);
        }

        // Select the offered spelling of "token": a browser fails the handshake unless the answer matches exactly.
        return Check(requestedProtocols[tokenIndex + 1], AuthMethods.Subprotocol, requestedProtocols[tokenIndex]);
    }

    /// <summary>The requested protocols with every credential (the element after <c>token</c> or
    /// <c>bearer</c>) replaced by <c>***</c>.</summary>
    public static string[] MaskSecrets(IReadOnlyList<string> requestedProtocols)
    {
        var masked = requestedProtocols.ToArray();
        for (var i = 0; i < masked.Length - 1; i++)
        {
            if (masked[i].Equals(TokenProtocol, StringComparison.OrdinalIgnoreCase)
                || masked[i].Equals("bearer", StringComparison.OrdinalIgnoreCase))
            {
                masked[++i] = "***";
            }
        }

        return masked;
    }

    private static int IndexOfTokenProtocol(IReadOnlyList<string> protocols)
    {
        for (var i = 0; i < protocols.Count; i++)
        {
            if (protocols[i].Equals(TokenProtocol, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static AuthResult Fail(string reason, string? keySha256) => AuthResult.Failure(reason, keySha256);

    private AuthResult Check(string key, string method, string? acceptedSubprotocol)
    {
        if (key.Length == 0)
        {
            return Fail("empty key", null);
        }

        var digest = KeyFingerprint.Sha256(key);
        var keySha256 = Convert.ToHexStringLower(digest);

        // Comparing fixed-length digests of every configured key, without stopping at a match, keeps the time
        // independent of both the key's content and which key matched.
        var matched = false;
        foreach (var candidate in _keyDigests)
        {
            matched |= CryptographicOperations.FixedTimeEquals(candidate, digest);
        }

        return matched
            ? AuthResult.Success(method, keySha256, acceptedSubprotocol)
            : Fail("unknown key", keySha256);
    }
}
