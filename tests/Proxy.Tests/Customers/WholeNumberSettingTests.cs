using System.Globalization;
using System.Text.Json;
using Proxy.Customers;

namespace Proxy.Tests.Customers;

/// <summary>One non-negative whole-number setting for counts (int) and money (long micro-units): the range of the
/// type, the messages with and without a unit, and stored text read back.</summary>
public sealed class WholeNumberSettingTests
{
    private static readonly WholeNumberSetting<int> Count = new("max_things", "Things:Max", "unlimited");
    private static readonly WholeNumberSetting<long> Micros = new("budget_micros", configKey: null, "no budget", unit: "micro-units");

    [Fact]
    public void A_count_takes_zero_to_int_max_and_refuses_what_an_int_cannot_hold()
    {
        Assert.Null(Error(Count, "0"));
        Assert.Null(Error(Count, int.MaxValue.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal("max_things must be a whole number, or null to inherit.", Error(Count, "2147483648"));
        Assert.Equal("max_things must be 0 (unlimited) or more (got -1).", Error(Count, "-1"));
    }

    [Fact]
    public void Money_takes_the_whole_int64_range_and_names_its_unit()
    {
        Assert.Null(Error(Micros, long.MaxValue.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal("budget_micros must be a whole number of micro-units, or null to inherit.", Error(Micros, "9223372036854775808"));
        Assert.Equal("budget_micros must be a whole number of micro-units, or null to inherit.", Error(Micros, "2.5"));
        Assert.Equal("budget_micros must be 0 (no budget) or more micro-units (got -5).", Error(Micros, "-5"));
    }

    [Fact]
    public void The_configuration_error_uses_the_config_key_and_the_same_rule()
    {
        Assert.Equal("Things:Max must be 0 (unlimited) or more (got -2).", Count.ConfigError(-2));
        Assert.Null(Count.ConfigError(3));
    }

    [Fact]
    public void A_value_is_stored_as_invariant_text_and_read_back_and_shown_as_a_json_number()
    {
        using var json = JsonDocument.Parse("9000000000");
        Assert.True(Micros.TryParse(json.RootElement, out var stored, out _));
        Assert.Equal("9000000000", stored);
        var settings = CustomerSettings.None.With(Micros, stored);
        Assert.Equal(9_000_000_000L, Micros.Read(settings));
        Assert.Equal("9000000000", Micros.OverrideJson(settings)!.ToJsonString());
    }

    [Fact]
    public void Unreadable_stored_text_inherits()
    {
        Assert.Null(Count.Read(CustomerSettings.None.With(Count, "many")));
        Assert.Null(Count.Read(CustomerSettings.None.With(Count, "2147483648")));
    }

    private static string? Error(CustomerSetting setting, string json)
    {
        using var document = JsonDocument.Parse(json);
        return setting.TryParse(document.RootElement, out _, out var error) ? null : error;
    }
}
