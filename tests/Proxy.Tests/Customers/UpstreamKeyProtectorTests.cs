using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Proxy.Customers;

namespace Proxy.Tests.Customers;

public sealed class UpstreamKeyProtectorTests
{
    private const string DeepgramKey = "3f8a2b1c9d0e7f6a5b4c3d2e1f0a9b8c7d6e5f4a";

    private static readonly byte[] MasterKey = [.. Enumerable.Range(1, 32).Select(i => (byte)(i * 7))];

    private readonly UpstreamKeyProtector _protector = Protector(Convert.ToBase64String(MasterKey));

    [Fact]
    public void Protected_key_round_trips_for_its_customer()
    {
        var stored = _protector.Protect("acme", DeepgramKey);

        Assert.Equal(DeepgramKey, _protector.Unprotect("acme", stored));
        Assert.DoesNotContain(DeepgramKey, stored, StringComparison.Ordinal);
    }

    [Fact]
    public void Stored_form_is_nonce_tag_and_ciphertext_of_the_same_length_as_the_key()
    {
        var raw = Convert.FromBase64String(_protector.Protect("acme", DeepgramKey));

        Assert.Equal(12 + 16 + DeepgramKey.Length, raw.Length);
    }

    [Fact]
    public void Unicode_and_empty_keys_round_trip()
    {
        Assert.Equal("ключ-🔑", _protector.Unprotect("acme", _protector.Protect("acme", "ключ-🔑")));
        Assert.Equal(string.Empty, _protector.Unprotect("acme", _protector.Protect("acme", string.Empty)));
    }

    [Fact]
    public void Each_protection_uses_a_new_nonce()
    {
        var first = Convert.FromBase64String(_protector.Protect("acme", DeepgramKey));
        var second = Convert.FromBase64String(_protector.Protect("acme", DeepgramKey));

        Assert.NotEqual(first[..12], second[..12]);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Another_customer_cannot_decrypt_it()
    {
        var stored = _protector.Protect("acme", DeepgramKey);

        Assert.Null(_protector.Unprotect("globex", stored));
        Assert.Null(_protector.Unprotect("acme2", stored));
        Assert.Null(_protector.Unprotect("ACME", stored));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(27)]
    [InlineData(28)]
    [InlineData(-1)]
    public void Any_flipped_byte_makes_it_unreadable(int position)
    {
        var raw = Convert.FromBase64String(_protector.Protect("acme", DeepgramKey));
        raw[position < 0 ? raw.Length + position : position] ^= 0x01;

        Assert.Null(_protector.Unprotect("acme", Convert.ToBase64String(raw)));
    }

    [Fact]
    public void Truncated_value_is_unreadable()
    {
        var raw = Convert.FromBase64String(_protector.Protect("acme", DeepgramKey));

        Assert.Null(_protector.Unprotect("acme", Convert.ToBase64String(raw[..^1])));
        Assert.Null(_protector.Unprotect("acme", Convert.ToBase64String(raw[..27])));
        Assert.Null(_protector.Unprotect("acme", string.Empty));
    }

    [Fact]
    public void Another_master_key_cannot_decrypt_it()
    {
        var stored = _protector.Protect("acme", DeepgramKey);
        var other = Protector(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

        Assert.Null(other.Unprotect("acme", stored));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("abc")]
    [InlineData("====")]
    public void Malformed_base64_is_unreadable(string stored)
    {
        Assert.Null(_protector.Unprotect("acme", stored));
    }

    [Fact]
    public void Configured_master_key_is_used_and_development_key_only_without_one()
    {
        Assert.False(_protector.UsesDevelopmentKey);

        var development = Protector(null);
        Assert.True(development.UsesDevelopmentKey);
        Assert.Equal(DeepgramKey, development.Unprotect("acme", development.Protect("acme", DeepgramKey)));
        Assert.Null(development.Unprotect("acme", _protector.Protect("acme", DeepgramKey)));
    }

    [Fact]
    public void Development_key_is_stable_across_instances()
    {
        var stored = Protector(null).Protect("acme", DeepgramKey);

        Assert.Equal(DeepgramKey, Protector(string.Empty).Unprotect("acme", stored));
    }

    [Fact]
    public void Master_key_of_32_bytes_decodes()
    {
        Assert.True(UpstreamKeyProtector.TryDecodeMasterKey(Convert.ToBase64String(MasterKey), out var key));
        Assert.Equal(MasterKey, key);
    }

    [Fact]
    public void Master_key_with_surrounding_whitespace_decodes()
    {
        Assert.True(UpstreamKeyProtector.TryDecodeMasterKey("  " + Convert.ToBase64String(MasterKey) + "\n", out var key));
        Assert.Equal(MasterKey, key);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(48)]
    [InlineData(64)]
    public void Master_key_of_another_length_is_refused(int length)
    {
        Assert.False(UpstreamKeyProtector.TryDecodeMasterKey(Convert.ToBase64String(new byte[length]), out var key));
        Assert.Empty(key);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-base64-at-all")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA!")]
    public void Master_key_that_is_not_base64_is_refused(string? value)
    {
        Assert.False(UpstreamKeyProtector.TryDecodeMasterKey(value, out var key));
        Assert.Empty(key);
    }

    private static UpstreamKeyProtector Protector(string? masterKey) =>
        new(Options.Create(new SecretsOptions { MasterKey = masterKey }));
}
