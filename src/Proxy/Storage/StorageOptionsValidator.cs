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
        else if (SpoolDirectoryError(options) is { } error)
        {
            failures.Add(error);
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

        if (options.ReplicaAckTimeout < TimeSpan.Zero || options.ReplicaAckTimeout > TimeSpan.FromSeconds(1))
        {
            failures.Add($"Storage:ReplicaAckTimeout must be between 00:00:00 (off) and 00:00:01 (got {options.ReplicaAckTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The spool must be writable before the first record needs it (an outage is the wrong time to learn).</summary>
    private static string? SpoolDirectoryError(StorageOptions options)
    {
        string path;
        try
        {
            path = options.SpoolPath();
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"Storage:SpoolDirectory is not a valid path (got \"{options.SpoolDirectory}\").";
        }

        try
        {
            Directory.CreateDirectory(path);
            using var probe = new FileStream(Path.Combine(path, $".write-check-{Environment.ProcessId}"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"Storage:SpoolDirectory ({path}) is not a writable directory: {ex.Message}";
        }
    }
}
