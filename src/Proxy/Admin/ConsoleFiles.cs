using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Proxy.Admin;

/// <summary>The admin console's static files, embedded in the assembly (Proxy.csproj embeds everything under
/// Admin/Console/ with its relative path as the resource name), read once at start-up: nothing on disk to install or to
/// lose, and the files served are the ones the binary was built with.</summary>
internal sealed class ConsoleFiles
{
    /// <summary>The resource names' prefix (Proxy.csproj's <c>LogicalName</c>).</summary>
    public const string ResourcePrefix = "AdminConsole/";

    /// <summary>The media type of each kind of file the console has. A file of another kind stops the start-up rather
    /// than being served with a guessed type.</summary>
    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, ConsoleFile> _byPath;

    private ConsoleFiles(FrozenDictionary<string, ConsoleFile> byPath)
    {
        _byPath = byPath;
    }

    /// <summary>Every file, by its path below the console's root (<c>js/app.js</c>).</summary>
    public IEnumerable<ConsoleFile> All => _byPath.Values;

    public static ConsoleFiles Load(Assembly assembly)
    {
        var files = new Dictionary<string, ConsoleFile>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            // RecursiveDir is written with the build machine's separator.
            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            if (!ContentTypes.TryGetValue(Path.GetExtension(path), out var contentType))
            {
                throw new InvalidOperationException($"The admin console file '{path}' has no known content type; add its extension to {nameof(ConsoleFiles)}.");
            }

            using var stream = assembly.GetManifestResourceStream(name)
                ?? throw new InvalidOperationException($"The embedded resource '{name}' cannot be read.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            files.Add(path, new ConsoleFile(path, content, contentType, ETagOf(content)));
        }

        return new ConsoleFiles(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public bool TryGet(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ConsoleFile? file) =>
        _byPath.TryGetValue(path, out file);

    private static string ETagOf(byte[] content)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(content, hash);
        return "\"" + Convert.ToHexStringLower(hash[..16]) + "\"";
    }
}
