using Microsoft.Extensions.Configuration;
using Proxy.Admin;
using Proxy.Runtime;

namespace Proxy.Tests.Admin;

/// <summary>Admin:Tokens takes plain strings (role admin, named by their key) and named objects with a role, mixed,
/// through the same binding as the running proxy.</summary>
public sealed class AdminTokenEntryTests
{
    private const string PlainToken = "0123456789abcdef0123456789abcdef";
    private const string ReadToken = "finance-token-0123456789abcdef";

    [Fact]
    public void Plain_strings_and_named_objects_bind_side_by_side_with_their_names_and_roles()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Admin:Tokens:0"] = PlainToken,
            ["Admin:Tokens:1:Name"] = "finance",
            ["Admin:Tokens:1:Token"] = ReadToken,
            ["Admin:Tokens:1:Role"] = "read",
        });

        var tokens = options.ConfiguredTokens().ToList();

        Assert.Equal(2, tokens.Count);
        Assert.Equal("Admin:Tokens:0", tokens[0].Name);
        Assert.Equal(PlainToken, tokens[0].Entry.Token);
        Assert.Equal("admin", tokens[0].Entry.Role);
        Assert.True(tokens[0].Entry.Plain);
        Assert.Equal("finance", tokens[1].Name);
        Assert.Equal(ReadToken, tokens[1].Entry.Token);
        Assert.Equal("read", tokens[1].Entry.Role);
        Assert.False(tokens[1].Entry.Plain);
    }

    [Fact]
    public void Keys_of_the_object_form_are_case_insensitive_as_environment_variables_write_them()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["ADMIN:TOKENS:0:NAME"] = "ops",
            ["admin:tokens:0:token"] = PlainToken,
            ["Admin:Tokens:0:ROLE"] = "admin",
        });

        var (name, entry) = Assert.Single(options.ConfiguredTokens());
        Assert.Equal("ops", name);
        Assert.Equal(PlainToken, entry.Token);
        Assert.Equal("admin", entry.Role);
    }

    [Fact]
    public void An_object_without_a_name_is_named_by_its_key()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Admin:Tokens:0"] = PlainToken,
            ["Admin:Tokens:1:Token"] = ReadToken,
            ["Admin:Tokens:1:Role"] = "read",
        });

        Assert.Equal(["Admin:Tokens:0", "Admin:Tokens:1"], options.ConfiguredTokens().Select(t => t.Name));
    }

    [Fact]
    public void A_plain_empty_entry_is_skipped_as_before_roles()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            ["Admin:Tokens:0"] = "",
            ["Admin:Tokens:1"] = PlainToken,
        });

        var (name, _) = Assert.Single(options.ConfiguredTokens());
        Assert.Equal("Admin:Tokens:1", name);
    }

    [Fact]
    public void The_audit_cap_binds_and_defaults_to_100000()
    {
        Assert.Equal(100_000, Bind([]).AuditMaxEntries);
        Assert.Equal(500, Bind(new Dictionary<string, string?> { ["Admin:AuditMaxEntries"] = "500" }).AuditMaxEntries);
    }

    private static AdminOptions Bind(Dictionary<string, string?> values)
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(AdminOptions.SectionName);
        Assert.Empty(ConfigurationSectionBinding.ConversionFailures(section, typeof(AdminOptions)));
        var options = new AdminOptions();
        ConfigurationSectionBinding.Bind(section, options);
        return options;
    }
}
