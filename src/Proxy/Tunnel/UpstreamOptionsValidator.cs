using Microsoft.Extensions.Options;


namespace Proxy.Tunnel;

internal sealed class UpstreamOptionsValidator : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options)
    {
        var failures = new List<string>();
        CheckUrl("Upstream:Url", options.Url, failures);
        for (var i = 0; i < options.AllowedUrls.Length; i++)
        {
            CheckUrl($"Upstream:AllowedUrls:{i}", options.AllowedUrls[i], failures);
        }

        if (options.ConnectTimeout <= TimeSpan.Zero || options.ConnectTimeout > TimeSpan.FromMinutes(2))
        {
            failures.Add($"Upstream:ConnectTimeout must be between 00:00:00.001 and 00:02:00 (got {options.ConnectTimeout}).");
        }

        if (options.ActivityTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"Upstream:ActivityTimeout must be at least 00:00:01 (got {options.ActivityTimeout}).");
        }

        if (options.ApiKey is { } key && (key.Length > 512 || key.Any(char.IsWhiteSpace)))
        {
            failures.Add("Upstream:ApiKey must be a single token without whitespace.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void CheckUrl(string key, string? url, List<string> failures)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("ws" or "wss" or "http" or "https") || uri.Host.Length == 0)
        {
            failures.Add($"{key} must be an absolute ws://, wss://, http:// or https:// URL (got \"{url}\").");
        }
        else if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo) || url!.AsSpan().IndexOfAny('?', '#') >= 0)
        {
            failures.Add($"{key} must not contain a query, fragment or user info; the key goes in Upstream:ApiKey.");
        }
    }
}
