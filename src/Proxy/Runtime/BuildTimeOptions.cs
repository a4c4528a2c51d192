using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace Proxy.Runtime;

/// <summary>
/// Options read while the host is being built (Kestrel's listeners, the host's shutdown timeout), before start-up
/// validation runs. Invalid options are left to that validation, which reports them with every other problem; the
/// host never starts, so what the reader would have set does not matter.
/// </summary>
internal static class BuildTimeOptions
{
    public static bool TryGet<T>(IOptions<T> options, [NotNullWhen(true)] out T? value)
        where T : class
    {
        try
        {
            value = options.Value;
            return true;
        }
        catch (OptionsValidationException)
        {
            value = null;
            return false;
        }
    }
}
