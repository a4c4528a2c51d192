using Proxy.Storage;

namespace Proxy.Tests.Storage;

public sealed class StorageOptionsValidatorTests
{
    [Fact]
    public void Defaults_are_accepted_and_keep_records_400_days_with_a_million_entry_stream()
    {
        var options = new StorageOptions();

        Assert.True(new StorageOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(TimeSpan.FromDays(400), options.RecordRetention);
        Assert.Equal(1_000_000, options.StreamMaxLength);
        Assert.Equal(TimeSpan.FromMinutes(1), options.RetentionSweepInterval);
    }

    [Theory]
    [InlineData("00:00:00", 1000, "00:01:00", "Storage:RecordRetention")]
    [InlineData("36501.00:00:00", 1000, "00:01:00", "Storage:RecordRetention")]
    [InlineData("400.00:00:00", 0, "00:01:00", "Storage:StreamMaxLength")]
    [InlineData("400.00:00:00", 1000, "00:00:00.500", "Storage:RetentionSweepInterval")]
    [InlineData("400.00:00:00", 1000, "01:00:01", "Storage:RetentionSweepInterval")]
    public void Out_of_range_values_are_refused_naming_the_key(string retention, long maxLength, string interval, string key)
    {
        var options = new StorageOptions
        {
            RecordRetention = TimeSpan.Parse(retention, System.Globalization.CultureInfo.InvariantCulture),
            StreamMaxLength = maxLength,
            RetentionSweepInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture),
        };

        var result = new StorageOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(key, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-00:00:00.001", false)]
    [InlineData("00:00:00", true)]
    [InlineData("00:00:00.100", true)]
    [InlineData("00:00:01", true)]
    [InlineData("00:00:01.001", false)]
    public void The_replica_acknowledgement_timeout_is_off_at_zero_and_at_most_a_second(string timeout, bool accepted)
    {
        var options = new StorageOptions { ReplicaAckTimeout = TimeSpan.Parse(timeout, System.Globalization.CultureInfo.InvariantCulture) };

        var result = new StorageOptionsValidator().Validate(null, options);

        Assert.Equal(accepted, result.Succeeded);
        if (!accepted)
        {
            Assert.Contains("Storage:ReplicaAckTimeout", result.FailureMessage, StringComparison.Ordinal);
        }
    }
}
