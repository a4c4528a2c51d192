using Microsoft.Extensions.Options;

namespace Proxy.Metering;

internal sealed class MeteringOptionsValidator : IValidateOptions<MeteringOptions>
{
    public ValidateOptionsResult Validate(string? name, MeteringOptions options) =>
        options.MaxInspectedSettingsBytes is < 1024 or > 16 * 1024 * 1024
            ? ValidateOptionsResult.Fail($"Metering:MaxInspectedSettingsBytes must be between 1024 and 16777216 (got {options.MaxInspectedSettingsBytes}).")
            : ValidateOptionsResult.Success;
}
