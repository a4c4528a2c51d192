using System.Reflection;
using System.Text.RegularExpressions;
using Proxy.Storage;
using Proxy.TestSupport;
using StackExchange.Redis;

namespace Proxy.Tests.Storage;

/// <summary>
/// README's "Redis Cluster: where the keys live" must name every key that is not in a customer's slot, so an operator
/// sees where each global structure lives and why. A key added to <see cref="RedisKeys"/> without a customer hash tag
/// fails here until the section documents it.
/// </summary>
public sealed partial class RedisKeysReadmeTests
{
    private const string Prefix = "dgp:";
    private const string Placeholder = "\u0001";
    private static readonly DateOnly PlaceholderDay = new(2001, 2, 3);
    private static readonly RedisKeys Keys = new(Prefix);

    [Fact]
    public void The_cluster_section_names_every_key_outside_a_customers_slot()
    {
        var section = ClusterSection();
        var documented = BacktickedNames().Matches(section).Select(m => m.Groups[1].Value).ToList();

        var missing = GlobalKeyNames()
            .Where(name => !documented.Any(text => AsPattern(name).IsMatch(text)))
            .ToList();

        Assert.True(missing.Count == 0, "README's Redis Cluster section does not name: " + string.Join(", ", missing).Replace(Placeholder, "<…>", StringComparison.Ordinal));
    }

    [Fact]
    public void Keys_named_by_a_customer_carry_its_hash_tag()
    {
        foreach (var method in KeyMethods().Where(m => m.GetParameters().Any(p => p.Name == "customerId")))
        {
            var name = Invoke(method, customerId: "acme");

            Assert.True(name.Contains("{acme}", StringComparison.Ordinal), $"{method.Name} gives {name}");
        }
    }

    [Fact]
    public void A_key_missing_from_the_section_is_reported()
    {
        var section = "| `dgp:records` | … |";
        var documented = BacktickedNames().Matches(section).Select(m => m.Groups[1].Value).ToList();

        Assert.Contains(documented, text => AsPattern(Prefix + "records").IsMatch(text));
        Assert.DoesNotContain(documented, text => AsPattern(Prefix + "keyhash:" + Placeholder).IsMatch(text));
    }

    /// <summary>Names of the keys and channels that carry no customer: properties, and methods without a customer id
    /// called with placeholders (README writes those as <c>&lt;…&gt;</c>).</summary>
    private static IEnumerable<string> GlobalKeyNames()
    {
        foreach (var property in typeof(RedisKeys).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(Keys);
            yield return value switch
            {
                RedisKey key => key.ToString(),
                RedisChannel channel => channel.ToString(),
                _ => throw new InvalidOperationException($"{property.Name} is neither a key nor a channel"),
            };
        }

        foreach (var method in KeyMethods().Where(m => m.GetParameters().All(p => p.Name != "customerId")))
        {
            yield return Invoke(method, customerId: null);
        }
    }

    private static IEnumerable<MethodInfo> KeyMethods() =>
        typeof(RedisKeys).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.ReturnType == typeof(RedisKey));

    private static string Invoke(MethodInfo method, string? customerId)
    {
        var args = method.GetParameters().Select(p => p.ParameterType == typeof(DateOnly)
            ? (object)PlaceholderDay
            : p.Name == "customerId" ? customerId! : Placeholder).ToArray();
        return ((RedisKey)method.Invoke(Keys, args)!).ToString();
    }

    // A placeholder (an argument, or the day) stands for any <…> in README's text.
    private static Regex AsPattern(string name)
    {
        var escaped = Regex.Escape(name)
            .Replace(Regex.Escape(Placeholder), "<[^<>`]+>", StringComparison.Ordinal)
            .Replace(Regex.Escape(PlaceholderDay.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)), "<[^<>`]+>", StringComparison.Ordinal)
            .Replace(Regex.Escape("2001-02"), "<[^<>`]+>", StringComparison.Ordinal);
        return new Regex("^" + escaped + "$", RegexOptions.CultureInvariant);
    }

    private static string ClusterSection()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "README.md"));
        const string Heading = "### Redis Cluster: where the keys live";
        var start = readme.IndexOf(Heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no \"{Heading}\" section");
        var end = readme.IndexOf("\n#", start + Heading.Length, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    [GeneratedRegex("`([^`\\n]+)`")]
    private static partial Regex BacktickedNames();
}
