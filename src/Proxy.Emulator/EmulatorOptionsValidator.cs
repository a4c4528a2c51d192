using Microsoft.Extensions.Options;

namespace Proxy.Emulator;

internal sealed class EmulatorOptionsValidator : IValidateOptions<EmulatorOptions>
{
    public ValidateOptionsResult Validate(string? name, EmulatorOptions options)
    {
        var failures = new List<string>();
        if (options.ApiKeys.Count == 0)
        {
            failures.Add("Emulator:ApiKeys must list at least one API key (e.g. --Emulator:ApiKeys:0=<key> or Emulator__ApiKeys__0=<key>).");
        }
        else if (options.ApiKeys.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add("Emulator:ApiKeys must not contain empty keys.");
        }
        else if (options.ApiKeys.Any(key => key.Any(c => char.IsWhiteSpace(c) || c == ',')))
        {
            // Such a key could never arrive intact in a Sec-WebSocket-Protocol list or a Token header.
            failures.Add("Emulator:ApiKeys must not contain whitespace or commas.");
        }

        if (string.IsNullOrWhiteSpace(options.ProjectId) || options.ProjectId.Any(c => c == '/' || char.IsWhiteSpace(c)))
        {
            failures.Add("Emulator:ProjectId must be a non-empty path segment (no '/' or whitespace).");
        }

        if (options.ClientMessageTimeout < TimeSpan.Zero)
        {
            failures.Add("Emulator:ClientMessageTimeout must not be negative (00:00:00 turns it off).");
        }

        if (!CloseCodes.CanSend(options.ClientMessageTimeoutCloseCode))
        {
            failures.Add($"Emulator:ClientMessageTimeoutCloseCode {options.ClientMessageTimeoutCloseCode} is not a close status that can be sent (1000-4999, not 1004-1006 or 1015).");
        }

        if (options.MaxMessageBytes <= 0)
        {
            failures.Add("Emulator:MaxMessageBytes must be positive.");
        }

        if (options.CloseHandshakeTimeout <= TimeSpan.Zero)
        {
            failures.Add("Emulator:CloseHandshakeTimeout must be positive.");
        }

        if (options.ConnectionHistoryLimit <= 0)
        {
            failures.Add("Emulator:ConnectionHistoryLimit must be positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
