using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Proxy.FunctionalTests.Gateway;
using Proxy.FunctionalTests.Infrastructure;

namespace Proxy.FunctionalTests.Admin;

/// <summary>
/// Rotating Secrets:MasterKey through real proxies on one Redis: stored Deepgram keys (of today's format and of the
/// first one, without a key id) and outstanding tokens survive while the old key is in Secrets:PreviousMasterKeys;
/// POST /admin/v1/secrets/re-encrypt moves the keys so the old key can go. Its own Redis: re-encryption walks every
/// customer, and the shared Redis holds other tests' keys under the run's shared master key.
/// </summary>
[Collection(GatewayTestGroup.Name)]
public sealed class MasterKeyRotationTests
{
    private const string Customer = "rotation";
    private const string LegacyCustomer = "rotation-legacy";

    private readonly GatewayFixture _gateway;

    public MasterKeyRotationTests(GatewayFixture gateway)
    {
        _gateway = gateway;
    }

    [Fact]
    public async Task Stored_keys_and_tokens_survive_a_master_key_rotation_and_re_encrypt_moves_the_keys_to_the_new_key()
    {
        var oldKey = RandomNumberGenerator.GetBytes(32);
        var newKey = RandomNumberGenerator.GetBytes(32);
        await using var redis = await RedisServer.StartAsync();

        string secret;
        string legacySecret;
        string token;
        await using (var before = await StartAsync(redis, oldKey))
        {
            (_, secret) = await before.IssueKeyAsync(Customer);
            using (var put = await before.Admin.PutAsJsonAsync(new Uri($"/admin/v1/customers/{Customer}/upstream-key", UriKind.Relative), new { api_key = EmulatorServer.CustomerApiKey }))
            {
                put.EnsureSuccessStatusCode();
            }

            // What the gateway stored before ciphertexts named their master key.
            (_, legacySecret) = await before.IssueKeyAsync(LegacyCustomer);
            await redis.Database.HashSetAsync($"dgp:{{{LegacyCustomer}}}:customer", "upstream_key", LegacyProtect(oldKey, LegacyCustomer, EmulatorServer.CustomerApiKey));
            Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.CustomerApiKey), await UpstreamFingerprintAsync(before, legacySecret));

            var (status, grant) = await AccessTokenTests.GrantAsync(before.ProxyUrl, "Token " + secret, """{"ttl_seconds":600}""");
            Assert.Equal(HttpStatusCode.OK, status);
            token = grant.GetProperty("access_token").GetString()!;
        }

        // The new key alone, before re-encryption: the stored keys are refused clearly, the default is never used.
        await using (var newOnly = await StartAsync(redis, newKey))
        {
            var raw = await AdmissionTests.RawUpgradeAsync(
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Token " + secret + "\r\n", newOnly.ProxyUrl);
            Assert.StartsWith("HTTP/1.1 502", raw, StringComparison.Ordinal);
            Assert.Contains("\"error\":\"upstream_key_unreadable\"", raw, StringComparison.Ordinal);
            Assert.Contains(newOnly.Process.Output, line => line.Contains($"customer {Customer} is sealed under master key id", StringComparison.Ordinal));
            Assert.False(newOnly.Process.HasExited);
            AssertNoSecretLogged(newOnly, oldKey, newKey);
        }

        await using (var rotated = await StartAsync(redis, newKey, oldKey))
        {
            Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.CustomerApiKey), await UpstreamFingerprintAsync(rotated, secret));
            Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.CustomerApiKey), await UpstreamFingerprintAsync(rotated, legacySecret));

            // A token minted under the old key still opens a session.
            var byToken = await AgentTestClient.ConnectAsync(rotated.AgentUrl(), o => o.SetRequestHeader("Authorization", "Bearer " + token));
            await using (byToken)
            {
                var requestId = (await byToken.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
                await byToken.CloseAsync();
                var upstream = await _gateway.Emulator.WaitForClosedConnectionAsync(requestId);
                Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.CustomerApiKey), upstream.GetProperty("api_key_sha256").GetString());
            }

            Assert.Equal((2, 0, 0), await ReEncryptAsync(rotated));
            Assert.Equal((0, 2, 0), await ReEncryptAsync(rotated));
            foreach (var customer in new[] { Customer, LegacyCustomer })
            {
                var stored = (string)(await redis.Database.HashGetAsync($"dgp:{{{customer}}}:customer", "upstream_key"))!;
                Assert.StartsWith("v1:", stored, StringComparison.Ordinal);
                Assert.DoesNotContain(EmulatorServer.CustomerApiKey, stored, StringComparison.Ordinal);
            }

            AssertNoSecretLogged(rotated, oldKey, newKey);
        }

        await using (var newOnly = await StartAsync(redis, newKey))
        {
            Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.CustomerApiKey), await UpstreamFingerprintAsync(newOnly, secret));
            Assert.Equal(EmulatorServer.Fingerprint(EmulatorServer.CustomerApiKey), await UpstreamFingerprintAsync(newOnly, legacySecret));
        }
    }

    private static void AssertNoSecretLogged(ProxyServer proxy, params byte[][] masterKeys)
    {
        foreach (var secret in masterKeys.Select(Convert.ToBase64String).Append(EmulatorServer.CustomerApiKey))
        {
            Assert.DoesNotContain(proxy.Process.Output, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    private Task<ProxyServer> StartAsync(RedisServer redis, byte[] masterKey, params byte[][] previous)
    {
        var settings = new Dictionary<string, string> { ["Secrets:MasterKey"] = Convert.ToBase64String(masterKey) };
        for (var i = 0; i < previous.Length; i++)
        {
            settings[$"Secrets:PreviousMasterKeys:{i}"] = Convert.ToBase64String(previous[i]);
        }

        return ProxyServer.StartAsync(redis.Configuration, _gateway.Emulator.WebSocketUrl, settings);
    }

    private async Task<string?> UpstreamFingerprintAsync(ProxyServer proxy, string secret)
    {
        var client = await AgentTestClient.ConnectWithHeaderAsync(proxy.AgentUrl(), secret);
        await using var _ = client;
        var requestId = (await client.ReceiveJsonAsync("Welcome")).GetProperty("request_id").GetString()!;
        await client.CloseAsync();
        return (await _gateway.Emulator.WaitForClosedConnectionAsync(requestId)).GetProperty("api_key_sha256").GetString();
    }

    private static async Task<(int ReEncrypted, int AlreadyCurrent, int Failed)> ReEncryptAsync(ProxyServer proxy)
    {
        using var response = await proxy.Admin.PostAsync(new Uri("/admin/v1/secrets/re-encrypt", UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["re_encrypted", "already_current", "failed"], body.EnumerateObject().Select(p => p.Name));
        return (body.GetProperty("re_encrypted").GetInt32(), body.GetProperty("already_current").GetInt32(), body.GetProperty("failed").GetArrayLength());
    }

    /// <summary>The first stored form: base64(nonce ‖ tag ‖ ciphertext), AES-256-GCM, the customer id authenticated.</summary>
    private static string LegacyProtect(byte[] masterKey, string customerId, string apiKey)
    {
        var plaintext = Encoding.UTF8.GetBytes(apiKey);
        var output = new byte[12 + 16 + plaintext.Length];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = new AesGcm(masterKey, 16);
        aes.Encrypt(output.AsSpan(0, 12), plaintext, output.AsSpan(28), output.AsSpan(12, 16), Encoding.UTF8.GetBytes("dgproxy-upstream-key:" + customerId));
        return Convert.ToBase64String(output);
    }
}
