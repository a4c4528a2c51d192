using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Proxy.Emulator;

/// <summary>
/// The short-lived tokens of <c>POST /v1/auth/grant</c>: JWTs (HS256, signed with a random per-process secret, so a
/// restart invalidates them) carrying the minting key's id (<c>sub</c>) and the expiry (<c>exp</c>, Unix seconds,
/// rounded up). A token is accepted while it has not expired and its key still exists and has not expired: deleting
/// a key ends its tokens too.
/// </summary>
internal sealed class AccessTokens(ApiKeyStore keys, TimeProvider time)
{
    private static readonly string EncodedHeader = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);

    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);

    public string Mint(EmulatorKey key, int ttlSeconds)
    {
        var now = time.GetUtcNow();
        var expires = (long)Math.Ceiling((now + TimeSpan.FromSeconds(ttlSeconds)).ToUnixTimeMilliseconds() / 1000.0);
        var payload = string.Create(CultureInfo.InvariantCulture,
            $$"""{"iss":"proxy-emulator","sub":"{{key.ApiKeyId}}","iat":{{now.ToUnixTimeSeconds()}},"exp":{{expires}},"jti":"{{Guid.NewGuid()}}"}""");
        var signed = EncodedHeader + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        return signed + "." + Base64Url.EncodeToString(HMACSHA256.HashData(_signingKey, Encoding.ASCII.GetBytes(signed)));
    }

    /// <summary>The key a valid token was minted by, or null with the reason (for the log).</summary>
    public EmulatorKey? Validate(string token, out string? failure)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] != EncodedHeader)
        {
            failure = "not an emulator access token";
            return null;
        }

        var expected = HMACSHA256.HashData(_signingKey, Encoding.ASCII.GetBytes(token[..(parts[0].Length + 1 + parts[1].Length)]));
        if (!TryDecode(parts[2], out var signature) || !CryptographicOperations.FixedTimeEquals(signature, expected))
        {
            failure = "bad token signature";
            return null;
        }

        // Signed by us, so the payload is ours: no need to defend against a hostile shape.
        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var apiKeyId = payload.RootElement.GetProperty("sub").GetString()!;
        var expires = DateTimeOffset.FromUnixTimeSeconds(payload.RootElement.GetProperty("exp").GetInt64());
        var now = time.GetUtcNow();
        if (now >= expires)
        {
            failure = "expired token";
            return null;
        }

        if (keys.FindById(apiKeyId) is not { } key || !key.IsActiveAt(now))
        {
            failure = "the token's key was deleted or expired";
            return null;
        }

        failure = null;
        return key;
    }

    private static bool TryDecode(string text, out byte[] bytes)
    {
        try
        {
            bytes = Base64Url.DecodeFromChars(text);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
