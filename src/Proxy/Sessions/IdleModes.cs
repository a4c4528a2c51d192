namespace Proxy.Sessions;

/// <summary>The names of <see cref="IdleMode"/> in configuration and in the admin API.</summary>
internal static class IdleModes
{
    public const string Names = "audio, messages or any";

    public static bool TryParse(string? text, out IdleMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "audio":
                mode = IdleMode.Audio;
                return true;
            case "messages":
                mode = IdleMode.Messages;
                return true;
            case "any":
                mode = IdleMode.Any;
                return true;
            default:
                mode = IdleMode.Messages;
                return false;
        }
    }

    public static string Name(IdleMode mode) => mode switch
    {
        IdleMode.Audio => "audio",
        IdleMode.Any => "any",
        _ => "messages",
    };
}
