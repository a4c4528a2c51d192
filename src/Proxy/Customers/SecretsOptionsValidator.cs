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
        if (string.IsNullOrEmpty(options.MasterKey))
        {
            return _environment.IsDevelopment()
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(
                    "Secrets:MasterKey is required outside Development: base64 of 32 random bytes (e.g. `openssl rand -base64 32`).");
        }

        return UpstreamKeyProtector.TryDecodeMasterKey(options.MasterKey, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Secrets:MasterKey must be base64 of exactly 32 bytes (AES-256).");
    }
}
