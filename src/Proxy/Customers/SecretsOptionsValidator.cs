using Microsoft.Extensions.Options;

namespace Proxy.Customers;

internal sealed class SecretsOptionsValidator : IValidateOptions<SecretsOptions>
{
    private readonly IHostEnvironment _environment;

    public SecretsOptionsValidator(IHostEnvironment environment)
    {
        _environment = environment;
    }

    public ValidateOptionsResult Validate(string? name, SecretsOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrEmpty(options.MasterKey))
        {
            if (!_environment.IsDevelopment())
            {
                failures.Add("Secrets:MasterKey is required outside Development: base64 of 32 random bytes (e.g. `openssl rand -base64 32`).");
            }
        }
        else if (!MasterKeyRing.TryDecode(options.MasterKey, out _))
        {
            failures.Add("Secrets:MasterKey must be base64 of exactly 32 bytes (AES-256).");
        }

        var previous = options.PreviousMasterKeys ?? [];
        for (var i = 0; i < previous.Length; i++)
        {
            if (!MasterKeyRing.TryDecode(previous[i], out _))
            {
                failures.Add($"Secrets:PreviousMasterKeys:{i} must be base64 of exactly 32 bytes (AES-256), like Secrets:MasterKey.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
