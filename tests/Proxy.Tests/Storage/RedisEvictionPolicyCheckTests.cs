using Proxy.Storage;

namespace Proxy.Tests.Storage;

public sealed class RedisEvictionPolicyCheckTests
{
    [Fact]
    public void The_policy_is_read_from_the_memory_section_of_info()
    {
        const string Info = "# Memory\r\nused_memory:1014520\r\nmaxmemory:0\r\nmaxmemory_human:0B\r\nmaxmemory_policy:allkeys-lru\r\nallocator_frag_ratio:1.0\r\n";

        Assert.Equal("allkeys-lru", RedisEvictionPolicyCheck.Policy(Info));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("# Memory\r\nused_memory:1014520\r\n")]
    public void An_answer_without_the_policy_gives_none(string? info)
    {
        Assert.Null(RedisEvictionPolicyCheck.Policy(info));
    }
}
