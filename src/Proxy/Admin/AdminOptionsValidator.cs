using System.Security.Cryptography;
using System.Text;
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
        var failures = new List<string>();
        if (options.AuditMaxEntries <= 0)
        {
            failures.Add("Admin:AuditMaxEntries must be greater than 0.");
        }

        for (var index = 0; index < options.Tokens.Length; index++)
        {
            // A plain empty entry retires a token (as before roles); an object's empty token is a mistake.
            if (options.Tokens[index] is { Plain: false, Token: null or "" } or null)
            {
                failures.Add($"Admin:Tokens:{index} has no Token.");
            }
        }

        var tokens = options.ConfiguredTokens().ToList();
        if (tokens.Count == 0)
        {
            if (!_environment.IsDevelopment())
            {
                failures.Add("Admin:Tokens is required outside Development: at least one admin bearer token (e.g. `openssl rand -hex 32`).");
            }

            return Result(failures);
        }

        // Messages name entries, never show a token.
        if (tokens.Any(t => t.Entry.Token!.Length < MinimumTokenLength || t.Entry.Token.Any(char.IsWhiteSpace)))
        {
            failures.Add($"Every Admin:Tokens entry must be at least {MinimumTokenLength} characters without whitespace.");
        }

        failures.AddRange(tokens.Where(t => !AdminRoles.TryParse(t.Entry.Role, out _))
            .Select(t => $"Admin:Tokens entry '{t.Name}' needs a Role: {AdminRoles.AdminName} or {AdminRoles.ReadName}."));
        failures.AddRange(tokens.GroupBy(t => t.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"Admin:Tokens names must be unique: '{g.Key}' is used {g.Count()} times (the audit log tells callers apart by name)."));
        if (tokens.Select(t => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(t.Entry.Token!)))).Distinct(StringComparer.Ordinal).Count() < tokens.Count)
        {
            failures.Add("Two Admin:Tokens entries have the same token: a caller's name and role would be ambiguous.");
        }

        return Result(failures);
    }

    private static ValidateOptionsResult Result(List<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
}
