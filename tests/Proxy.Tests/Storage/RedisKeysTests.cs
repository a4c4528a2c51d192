using Microsoft.Extensions.Options;
using Proxy.Storage;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

public sealed class RedisKeysTests
{
    private readonly RedisKeys _keys = new("dgp:");

    [Fact]
    public void Key_names_are_the_ones_in_the_design()
    {
        Assert.Equal("dgp:{acme}:session:0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", Name(_keys.Session("acme", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")));
        Assert.Equal("dgp:{acme}:usage:2026-11-26", Name(_keys.Usage("acme", new DateOnly(2026, 11, 26))));
        Assert.Equal("dgp:{acme}:usage:2027-01-05", Name(_keys.Usage("acme", new DateOnly(2027, 1, 5))));
        Assert.Equal("dgp:records", Name(_keys.Records));
        Assert.Equal("dgp:{acme}:sessions", Name(_keys.CustomerSessions("acme")));
    }

    [Fact]
    public void Other_key_names_are_stable()
    {
        Assert.Equal("dgp:customers", Name(_keys.Customers));
        Assert.Equal("dgp:session-index", Name(_keys.LegacySessionIndex));
        Assert.Equal("dgp:{acme}:customer", Name(_keys.Customer("acme")));
        Assert.Equal("dgp:{acme}:keys", Name(_keys.CustomerKeys("acme")));
        Assert.Equal("dgp:keyhash:ba7816bf", Name(_keys.KeyByHash("ba7816bf")));
        Assert.Equal("dgp:key:key_01", Name(_keys.Key("key_01")));
    }

    [Fact]
    public void Keys_of_one_customer_share_a_hash_tag()
    {
        RedisKey[] keys =
        [
            _keys.Customer("acme.eu-1"),
            _keys.CustomerKeys("acme.eu-1"),
            _keys.Session("acme.eu-1", "s"),
            _keys.CustomerSessions("acme.eu-1"),
            _keys.Usage("acme.eu-1", new DateOnly(2026, 11, 26)),
        ];

        Assert.All(keys, key => Assert.Equal("acme.eu-1", HashTag(Name(key))));
    }

    [Fact]
    public void Prefix_comes_from_the_options()
    {
        var keys = new RedisKeys(Options.Create(new RedisOptions { KeyPrefix = "staging:dgp:" }));

        Assert.Equal("staging:dgp:records", Name(keys.Records));
        Assert.Equal("staging:dgp:{acme}:session:s1", Name(keys.Session("acme", "s1")));
    }

    [Fact]
    public void Empty_prefix_gives_bare_names()
    {
        var keys = new RedisKeys(string.Empty);

        Assert.Equal("records", Name(keys.Records));
        Assert.Equal("{acme}:usage:2026-11-26", Name(keys.Usage("acme", new DateOnly(2026, 11, 26))));
    }

    private static string Name(RedisKey key) => key.ToString();

    // Redis Cluster hashes only the part between the first '{' and the next '}'.
    private static string HashTag(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        var close = key.IndexOf('}', open + 1);
        return key[(open + 1)..close];
    }
}
