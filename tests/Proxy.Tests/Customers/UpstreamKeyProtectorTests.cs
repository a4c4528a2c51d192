using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Proxy.Customers;
using Proxy.Tests.TestSupport;

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
    public void Stored_form_is_v1_master_key_id_and_nonce_tag_and_ciphertext_of_the_same_length_as_the_key()
    {
        var parts = _protector.Protect("acme", DeepgramKey).Split(':');

        Assert.Equal(3, parts.Length);
        Assert.Equal("v1", parts[0]);
        Assert.Equal(_protector.CurrentMasterKeyId, parts[1]);
        Assert.Matches("^[0-9a-f]{8}$", parts[1]);
        Assert.Equal(12 + 16 + DeepgramKey.Length, Convert.FromBase64String(parts[2]).Length);
    }

    [Fact]
    public void Master_key_id_is_a_stable_fingerprint_of_the_key()
    {
        Assert.Equal(Protector(Convert.ToBase64String(MasterKey)).CurrentMasterKeyId, _protector.CurrentMasterKeyId);
        Assert.NotEqual(Protector(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).CurrentMasterKeyId, _protector.CurrentMasterKeyId);
        Assert.DoesNotContain(_protector.CurrentMasterKeyId, Convert.ToHexStringLower(MasterKey), StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_of_the_first_format_is_read_as_key_id_0_with_the_current_master_key()
    {
        var reading = _protector.Read("acme", LegacyUpstreamKeys.Protect(MasterKey, "acme", DeepgramKey));

        Assert.Equal(new UpstreamKeyReading(UpstreamKeyReadStatus.Decrypted, DeepgramKey, "0", IsCurrent: false), reading);
    }

    [Fact]
    public void A_key_of_the_first_format_sealed_under_a_previous_master_key_is_read()
    {
        var old = RandomNumberGenerator.GetBytes(32);
        var rotated = Protector(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), old);

        var reading = rotated.Read("acme", LegacyUpstreamKeys.Protect(old, "acme", DeepgramKey));

        Assert.Equal(new UpstreamKeyReading(UpstreamKeyReadStatus.Decrypted, DeepgramKey, "0", IsCurrent: false), reading);
    }

    [Fact]
    public void A_key_sealed_under_a_previous_master_key_decrypts_with_that_key_and_is_not_current()
    {
        var stored = _protector.Protect("acme", DeepgramKey);
        var rotated = Protector(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), RandomNumberGenerator.GetBytes(32), MasterKey);

        var reading = rotated.Read("acme", stored);

        Assert.Equal(new UpstreamKeyReading(UpstreamKeyReadStatus.Decrypted, DeepgramKey, _protector.CurrentMasterKeyId, IsCurrent: false), reading);
        Assert.True(rotated.Read("acme", rotated.Protect("acme", DeepgramKey)).IsCurrent);
    }

    [Fact]
    public void A_key_sealed_under_a_master_key_not_configured_names_its_key_id()
    {
        var stored = _protector.Protect("acme", DeepgramKey);
        var other = Protector(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), RandomNumberGenerator.GetBytes(32));

        var reading = other.Read("acme", stored);

        Assert.Equal(new UpstreamKeyReading(UpstreamKeyReadStatus.UnknownMasterKey, null, _protector.CurrentMasterKeyId, IsCurrent: false), reading);
        Assert.Null(other.Unprotect("acme", stored));
    }

    [Fact]
    public void A_key_claiming_the_current_key_id_but_sealed_under_another_is_unreadable()
    {
        var payload = Payload(Protector(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).Protect("acme", DeepgramKey));

        var reading = _protector.Read("acme", $"v1:{_protector.CurrentMasterKeyId}:{Convert.ToBase64String(payload)}");

        Assert.Equal(UpstreamKeyReadStatus.Unreadable, reading.Status);
    }

    [Theory]
    [InlineData("v1:")]
    [InlineData("v1::AAAA")]
    [InlineData("v1:abcdef01")]
    [InlineData("v2:abcdef01:AAAA")]
    public void Malformed_versioned_values_are_unreadable_or_unknown_never_a_crash(string stored)
    {
        Assert.NotEqual(UpstreamKeyReadStatus.Decrypted, _protector.Read("acme", stored).Status);
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
        var first = Payload(_protector.Protect("acme", DeepgramKey));
        var second = Payload(_protector.Protect("acme", DeepgramKey));

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
        var raw = Payload(_protector.Protect("acme", DeepgramKey));
        raw[position < 0 ? raw.Length + position : position] ^= 0x01;

        Assert.Null(_protector.Unprotect("acme", Sealed(raw)));
    }

    [Fact]
    public void Truncated_value_is_unreadable()
    {
        var raw = Payload(_protector.Protect("acme", DeepgramKey));

        Assert.Null(_protector.Unprotect("acme", Sealed(raw[..^1])));
        Assert.Null(_protector.Unprotect("acme", Sealed(raw[..27])));
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

    private string Sealed(byte[] payload) => $"v1:{_protector.CurrentMasterKeyId}:{Convert.ToBase64String(payload)}";

    private static byte[] Payload(string stored) => Convert.FromBase64String(stored.Split(':')[2]);


    private static UpstreamKeyProtector Protector(string? masterKey, params byte[][] previous) =>
        new(Options.Create(new SecretsOptions { MasterKey = masterKey, PreviousMasterKeys = [.. previous.Select(Convert.ToBase64String)] }));
}
