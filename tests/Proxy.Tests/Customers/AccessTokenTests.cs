using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Proxy.Customers;

namespace Proxy.Tests.Customers;

public sealed class AccessTokenTests
{
    private static readonly string MasterKey = Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)(i * 5))]);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
    private readonly AccessTokenSigningKey _signingKey = SigningKey(MasterKey);
    private readonly AccessTokenIssuer _issuer;
    private readonly AccessTokenValidator _validator;

    public AccessTokenTests()
    {
        _issuer = new AccessTokenIssuer(_signingKey, _time);
        _validator = new AccessTokenValidator(_signingKey, _time);
    }

    [Fact]
    public async Task A_fresh_token_names_its_key_and_customer()
    {
        var token = _issuer.Issue(Key(), 30);

        var check = await _validator.ValidateAsync(token);

        Assert.Equal(new AccessTokenCheck(AccessTokenOutcome.Valid, "key_1", "acme"), check);
    }

    [Fact]
    public void The_token_carries_the_standard_claims_and_hs256()
    {
        var token = _issuer.Issue(Key(), 60);
        var parts = token.Split('.');
        using var header = JsonDocument.Parse(Base64UrlDecode(parts[0]));
        using var payload = JsonDocument.Parse(Base64UrlDecode(parts[1]));

        Assert.Equal("HS256", header.RootElement.GetProperty("alg").GetString());
        var claims = payload.RootElement;
        Assert.Equal("acme", claims.GetProperty("sub").GetString());
        Assert.Equal("acme", claims.GetProperty("customer").GetString());
        Assert.Equal("key_1", claims.GetProperty("key_id").GetString());
        Assert.Equal("dgproxy", claims.GetProperty("iss").GetString());
        Assert.Equal("dgproxy", claims.GetProperty("aud").GetString());
        var iat = claims.GetProperty("iat").GetInt64();
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds(), iat);
        Assert.Equal(iat + 60, claims.GetProperty("exp").GetInt64());
        Assert.False(string.IsNullOrEmpty(claims.GetProperty("jti").GetString()));
    }

    [Fact]
    public void Every_token_has_its_own_id()
    {
        Assert.NotEqual(Jti(_issuer.Issue(Key(), 30)), Jti(_issuer.Issue(Key(), 30)));
    }

    [Fact]
    public async Task A_token_expires_after_its_ttl_and_the_clock_skew()
    {
        var token = _issuer.Issue(Key(), 10);

        _time.Advance(TimeSpan.FromSeconds(10) + AccessTokenValidator.ClockSkew - TimeSpan.FromMilliseconds(1));
        Assert.Equal(AccessTokenOutcome.Valid, (await _validator.ValidateAsync(token)).Outcome);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var check = await _validator.ValidateAsync(token);
        Assert.Equal(AccessTokenOutcome.Expired, check.Outcome);
        Assert.Equal("key_1", check.KeyId);
    }

    [Fact]
    public async Task A_token_with_a_changed_payload_is_invalid()
    {
        var parts = _issuer.Issue(Key(), 30).Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlDecode(parts[1])).Replace("\"acme\"", "\"other\"", StringComparison.Ordinal);
        var forged = $"{parts[0]}.{Base64UrlEncode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";

        Assert.Equal(AccessTokenOutcome.Invalid, (await _validator.ValidateAsync(forged)).Outcome);
    }

    [Fact]
    public async Task A_token_signed_with_another_master_keys_derivation_is_invalid()
    {
        var other = new AccessTokenIssuer(SigningKey(Convert.ToBase64String(new byte[32])), _time);

        Assert.Equal(AccessTokenOutcome.Invalid, (await _validator.ValidateAsync(other.Issue(Key(), 30))).Outcome);
    }

    [Fact]
    public async Task A_token_signed_before_a_master_key_rotation_stays_valid_until_it_expires()
    {
        var rotated = new AccessTokenSigningKey(Options.Create(new SecretsOptions
        {
            MasterKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            PreviousMasterKeys = [Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), MasterKey],
        }));
        var validator = new AccessTokenValidator(rotated, _time);
        var token = _issuer.Issue(Key(), 10);

        Assert.Equal(new AccessTokenCheck(AccessTokenOutcome.Valid, "key_1", "acme"), await validator.ValidateAsync(token));
        Assert.Equal(AccessTokenOutcome.Valid, (await validator.ValidateAsync(new AccessTokenIssuer(rotated, _time).Issue(Key(), 10))).Outcome);

        _time.Advance(TimeSpan.FromSeconds(10) + AccessTokenValidator.ClockSkew);
        Assert.Equal(AccessTokenOutcome.Expired, (await validator.ValidateAsync(token)).Outcome);
    }

    [Fact]
    public async Task After_a_rotation_new_tokens_are_signed_with_the_new_master_keys_derivation()
    {
        var newMaster = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var rotated = new AccessTokenSigningKey(Options.Create(new SecretsOptions { MasterKey = newMaster, PreviousMasterKeys = [MasterKey] }));

        var token = new AccessTokenIssuer(rotated, _time).Issue(Key(), 30);

        Assert.Equal(AccessTokenOutcome.Invalid, (await _validator.ValidateAsync(token)).Outcome);
        Assert.Equal(AccessTokenOutcome.Valid, (await new AccessTokenValidator(SigningKey(newMaster), _time).ValidateAsync(token)).Outcome);
    }

    [Fact]
    public async Task A_token_with_alg_none_is_invalid()
    {
        var unsigned = $"{Json("""{"alg":"none","typ":"JWT"}""")}.{Json(Payload())}.";

        Assert.Equal(AccessTokenOutcome.Invalid, (await _validator.ValidateAsync(unsigned)).Outcome);
    }

    [Fact]
    public async Task A_token_signed_hs512_with_the_right_key_is_invalid()
    {
        var signingInput = $"{Json("""{"alg":"HS512","typ":"JWT"}""")}.{Json(Payload())}";
        var signature = HMACSHA512.HashData(_signingKey.Key.Key, Encoding.ASCII.GetBytes(signingInput));

        Assert.Equal(AccessTokenOutcome.Invalid, (await _validator.ValidateAsync($"{signingInput}.{Base64UrlEncode(signature)}")).Outcome);
    }

    [Fact]
    public async Task A_hand_made_hs256_token_with_the_right_key_is_valid_so_the_refusals_above_are_about_alg()
    {
        var signingInput = $"{Json("""{"alg":"HS256","typ":"JWT"}""")}.{Json(Payload())}";
        var signature = HMACSHA256.HashData(_signingKey.Key.Key, Encoding.ASCII.GetBytes(signingInput));

        Assert.Equal(AccessTokenOutcome.Valid, (await _validator.ValidateAsync($"{signingInput}.{Base64UrlEncode(signature)}")).Outcome);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_invalid()
    {
        var signingInput = $"{Json("""{"alg":"HS256","typ":"JWT"}""")}.{Json(Payload(audience: "someone-else"))}";
        var signature = HMACSHA256.HashData(_signingKey.Key.Key, Encoding.ASCII.GetBytes(signingInput));

        Assert.Equal(AccessTokenOutcome.Invalid, (await _validator.ValidateAsync($"{signingInput}.{Base64UrlEncode(signature)}")).Outcome);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    public async Task Garbage_is_invalid(string token)
    {
        Assert.Equal(AccessTokenOutcome.Invalid, (await _validator.ValidateAsync(token)).Outcome);
    }

    [Fact]
    public void The_signing_key_is_256_bits_derived_from_the_master_key_not_the_master_key_itself()
    {
        Assert.Equal(32, _signingKey.Key.Key.Length);
        Assert.NotEqual(Convert.FromBase64String(MasterKey), _signingKey.Key.Key);
        Assert.Equal(_signingKey.Key.Key, SigningKey(MasterKey).Key.Key);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3601)]
    public void A_ttl_outside_1_to_3600_is_refused(int ttl)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _issuer.Issue(Key(), ttl));
    }

    private string Payload(string audience = "dgproxy")
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        return $$"""{"sub":"acme","customer":"acme","key_id":"key_1","jti":"j1","iss":"dgproxy","aud":"{{audience}}","iat":{{now}},"exp":{{now + 30}}}""";
    }

    private static ProxyKey Key() => new() { KeyId = "key_1", CustomerId = "acme", Prefix = "dgp_abcd" };

    private static AccessTokenSigningKey SigningKey(string masterKey) =>
        new(Options.Create(new SecretsOptions { MasterKey = masterKey }));

    private static string? Jti(string token)
    {
        using var payload = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1]));
        return payload.RootElement.GetProperty("jti").GetString();
    }

    private static string Json(string json) => Base64UrlEncode(Encoding.UTF8.GetBytes(json));

    private static string Base64UrlEncode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64UrlDecode(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
