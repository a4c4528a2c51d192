using Microsoft.Extensions.Options;

namespace Proxy.Admin;

internal sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    private const int MinimumTokenLength = 16;

    private readonly IHostEnvironment _environment;

    public AdminOptionsValidator(IHostEnvironment environment)
    {
        _environment = environment;
    }

    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        var tokens = options.Tokens.Where(t => !string.IsNullOrEmpty(t)).ToArray();
        if (tokens.Length == 0)
        {
            return _environment.IsDevelopment()
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail("Admin:Tokens is required outside Development: at least one admin bearer token (e.g. `openssl rand -hex 32`).");
        }

        return tokens.Any(t => t.Length < MinimumTokenLength || t.Any(char.IsWhiteSpace))
            ? ValidateOptionsResult.Fail($"Every Admin:Tokens entry must be at least {MinimumTokenLength} characters without whitespace.")
            : ValidateOptionsResult.Success;
    }
}
