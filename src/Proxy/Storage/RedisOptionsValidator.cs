using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Proxy.Storage;

internal sealed class RedisOptionsValidator : IValidateOptions<RedisOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            failures.Add("Redis:Configuration is required (e.g. \"127.0.0.1:6379\").");
        }
        else
        {
            try
            {
                if (ConfigurationOptions.Parse(options.Configuration).EndPoints.Count == 0)
                {
                    failures.Add("Redis:Configuration names no server; expected e.g. \"127.0.0.1:6379\".");
                }
            }

            // Never the string itself, nor StackExchange.Redis's message (which quotes values): it may hold a password.
            catch (ArgumentOutOfRangeException ex) when (ex.ParamName is not null)
            {
                failures.Add($"Redis:Configuration has an invalid value for its option '{ex.ParamName}'.");
            }
            catch (ArgumentException ex) when (ex.ParamName is not null)
            {
                failures.Add($"Redis:Configuration has an option StackExchange.Redis does not support: '{ex.ParamName}'.");
            }
            catch (ArgumentException)
            {
                failures.Add("Redis:Configuration is not a valid StackExchange.Redis configuration string.");
            }
        }

        if (options.KeyPrefix is null || options.KeyPrefix.IndexOfAny(['{', '}', ' ']) >= 0)
        {
            failures.Add("Redis:KeyPrefix must not contain '{', '}' or spaces (braces are reserved for cluster hash tags).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
