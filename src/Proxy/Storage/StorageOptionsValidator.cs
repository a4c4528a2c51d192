using Microsoft.Extensions.Options;

namespace Proxy.Storage;

internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.SpoolDirectory))
        {
            failures.Add("Storage:SpoolDirectory is required (a directory this instance alone writes to).");
        }

        if (options.SpoolMaxBytes < 1024 * 1024)
        {
            failures.Add($"Storage:SpoolMaxBytes must be at least 1048576 (got {options.SpoolMaxBytes}).");
        }

        if (options.RedisDownPolicy is not (StorageOptions.FailOpen or StorageOptions.FailClosed))
        {
            failures.Add($"Storage:RedisDownPolicy must be {StorageOptions.FailOpen} or {StorageOptions.FailClosed} (got \"{options.RedisDownPolicy}\").");
        }

        if (options.AuthCacheTtl < TimeSpan.Zero || options.AuthCacheTtl > TimeSpan.FromDays(1))
        {
            failures.Add($"Storage:AuthCacheTtl must be between 00:00:00 and 1.00:00:00 (got {options.AuthCacheTtl}).");
        }

        if (options.ReaperInterval < TimeSpan.FromSeconds(1) || options.ReaperInterval > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Storage:ReaperInterval must be between 00:00:01 and 00:10:00 (got {options.ReaperInterval}).");
        }

        if (options.RecordRetention < TimeSpan.FromSeconds(1) || options.RecordRetention > TimeSpan.FromDays(36500))
        {
            failures.Add($"Storage:RecordRetention must be between 00:00:01 and 36500.00:00:00 (got {options.RecordRetention}).");
        }

        if (options.StreamMaxLength < 1)
        {
            failures.Add($"Storage:StreamMaxLength must be at least 1 (got {options.StreamMaxLength}).");
        }

        if (options.RetentionSweepInterval < TimeSpan.FromSeconds(1) || options.RetentionSweepInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"Storage:RetentionSweepInterval must be between 00:00:01 and 01:00:00 (got {options.RetentionSweepInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
