using System.Text.RegularExpressions;
using Proxy.Customers;

namespace Proxy.Tests.Customers;

public sealed partial class ProxyKeySecretsTests
{
    [Fact]
    public void New_secret_is_the_prefix_and_43_base64url_characters()
    {
        var secret = ProxyKeySecrets.NewSecret();

        Assert.Matches(SecretPattern(), secret);
        Assert.Equal(48, secret.Length);
    }

    [Fact]
    public void New_secrets_are_unique()
    {
        var secrets = Enumerable.Range(0, 1000).Select(_ => ProxyKeySecrets.NewSecret()).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(1000, secrets.Count);
    }

    [Fact]
    public void New_key_id_is_key_and_20_lowercase_hex_characters_and_unique()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => ProxyKeySecrets.NewKeyId()).ToList();

        Assert.All(ids, id => Assert.Matches(KeyIdPattern(), id));
        Assert.Equal(1000, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Hash_is_sha256_of_the_utf8_secret()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ProxyKeySecrets.HashHex("abc"));
        Assert.Equal(Convert.FromHexString("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), ProxyKeySecrets.Hash("abc"));
    }

    [Fact]
    public void Hash_and_hash_hex_agree()
    {
        var secret = ProxyKeySecrets.NewSecret();

        Assert.Equal(Convert.ToHexStringLower(ProxyKeySecrets.Hash(secret)), ProxyKeySecrets.HashHex(secret));
        Assert.Equal(64, ProxyKeySecrets.HashHex(secret).Length);
    }

    [Fact]
    public void Hash_equals_accepts_the_stored_hash_of_the_same_secret()
    {
        var secret = ProxyKeySecrets.NewSecret();

        Assert.True(ProxyKeySecrets.HashEquals(ProxyKeySecrets.Hash(secret), ProxyKeySecrets.HashHex(secret)));
        Assert.True(ProxyKeySecrets.HashEquals(ProxyKeySecrets.Hash(secret), ProxyKeySecrets.HashHex(secret).ToUpperInvariant()));
    }

    [Fact]
    public void Hash_equals_rejects_another_secret()
    {
        var secret = ProxyKeySecrets.NewSecret();
        var other = ProxyKeySecrets.NewSecret();

        Assert.False(ProxyKeySecrets.HashEquals(ProxyKeySecrets.Hash(other), ProxyKeySecrets.HashHex(secret)));
    }

    [Fact]
    public void Hash_equals_rejects_a_hash_differing_in_the_last_byte()
    {
        var hex = ProxyKeySecrets.HashHex("abc");
        var flipped = hex[..^1] + (hex[^1] == '0' ? '1' : '0');

        Assert.False(ProxyKeySecrets.HashEquals(ProxyKeySecrets.Hash("abc"), flipped));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ba7816bf")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad00")]
    [InlineData("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [InlineData("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a ")]
    public void Hash_equals_rejects_stored_values_that_are_not_64_hex_characters(string storedHex)
    {
        Assert.False(ProxyKeySecrets.HashEquals(ProxyKeySecrets.Hash("abc"), storedHex));
    }

    [Fact]
    public void Hash_equals_rejects_a_presented_digest_of_the_wrong_length()
    {
        var hex = ProxyKeySecrets.HashHex("abc");

        Assert.False(ProxyKeySecrets.HashEquals(ProxyKeySecrets.Hash("abc").AsSpan(0, 16), hex));
        Assert.False(ProxyKeySecrets.HashEquals(ReadOnlySpan<byte>.Empty, hex));
    }

    [Theory]
    [InlineData("dgpk_abcdefghijklmnop", "dgpk_abcdefg")]
    [InlineData("dgpk_abcdefg", "dgpk_abcdefg")]
    [InlineData("short", "short")]
    public void Display_prefix_is_the_first_12_characters(string secret, string expected)
    {
        Assert.Equal(expected, ProxyKeySecrets.DisplayPrefix(secret));
    }

    [GeneratedRegex("^dgpk_[A-Za-z0-9_-]{43}$")]
    private static partial Regex SecretPattern();

    [GeneratedRegex("^key_[0-9a-f]{20}$")]
    private static partial Regex KeyIdPattern();
}
