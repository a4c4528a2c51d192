using System.Text;
using System.Text.RegularExpressions;
using Proxy.Admin;

namespace Proxy.Tests.Admin;

/// <summary>The admin console's files as the binary carries them: every file of src/Proxy/Admin/Console is embedded,
/// byte for byte, with the media type of its kind, and every file a page refers to is one of them.</summary>
public sealed partial class ConsoleFilesTests
{
    internal static readonly string SourceRoot = Path.Combine(RepositoryPaths.Root, "src", "Proxy", "Admin", "Console");

    private static readonly ConsoleFiles Embedded = ConsoleFiles.Load(typeof(ConsoleFiles).Assembly);

    internal static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(SourceRoot, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

    [Fact]
    public void Every_file_of_the_console_folder_is_embedded_byte_for_byte_with_its_media_type()
    {
        var sources = SourceFiles().ToList();
        Assert.Contains("index.html", sources);
        Assert.Contains("js/app.js", sources);

        foreach (var path in sources)
        {
            Assert.True(Embedded.TryGet(path, out var file), $"{path} is not embedded");
            Assert.Equal(File.ReadAllBytes(Path.Combine(SourceRoot, path)), file.Content.ToArray());
            var expected = Path.GetExtension(path) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml; charset=utf-8",
                var other => throw new Xunit.Sdk.XunitException($"{path}: no expected type for '{other}'"),
            };
            Assert.Equal(expected, file.ContentType);
        }

        // Nothing embedded that is not in the folder (a stale or misnamed resource).
        Assert.Equal(sources, Embedded.All.Select(f => f.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Each_file_has_a_strong_etag_of_its_bytes()
    {
        var tags = Embedded.All.Select(f => f.ETag).ToList();
        Assert.All(tags, t => Assert.Matches("^\"[0-9a-f]{32}\"$", t));
        Assert.Equal(tags.Count, tags.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Every_import_src_and_href_of_the_console_resolves_to_an_embedded_file()
    {
        var checkedReferences = 0;
        foreach (var path in SourceFiles().Where(p => p.EndsWith(".html", StringComparison.Ordinal) || p.EndsWith(".js", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(Path.Combine(SourceRoot, path), Encoding.UTF8);
            var references = path.EndsWith(".html", StringComparison.Ordinal)
                ? HtmlReference().Matches(text).Select(m => m.Groups["url"].Value)
                : JsImport().Matches(text).Select(m => m.Groups["url"].Value);
            foreach (var reference in references)
            {
                if (reference.StartsWith('#') || reference.Contains("${", StringComparison.Ordinal))
                {
                    continue;
                }

                Assert.False(reference.Contains("://", StringComparison.Ordinal) || reference.StartsWith("//", StringComparison.Ordinal),
                    $"{path} refers to another origin: {reference}");
                var target = Resolve(path, reference);
                Assert.True(Embedded.TryGet(target, out _), $"{path} refers to '{reference}' ({target}), which is not embedded");
                checkedReferences++;
            }
        }

        // index.html's stylesheets, icon and app.js, and the modules' imports.
        Assert.True(checkedReferences >= 10, $"only {checkedReferences} references found: the patterns no longer match the files");
    }

    [Fact]
    public void Every_page_module_is_a_route_of_the_app()
    {
        var app = File.ReadAllText(Path.Combine(SourceRoot, "js", "app.js"));
        var routed = RoutedPage().Matches(app).Select(m => m.Groups["page"].Value).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("customers", routed);
        foreach (var page in SourceFiles().Where(p => p.StartsWith("js/pages/", StringComparison.Ordinal)))
        {
            Assert.Contains(Path.GetFileNameWithoutExtension(page), routed);
        }
    }

    [Fact]
    public void The_reference_patterns_find_what_they_look_for()
    {
        // The check above is only as good as these patterns.
        Assert.Equal(["css/a.css", "js/b.js"], HtmlReference().Matches("<link rel=\"stylesheet\" href=\"css/a.css\"><script type=module src='js/b.js'></script>").Select(m => m.Groups["url"].Value));
        Assert.Equal(["./dom.js", "../api.js", "./x.js"], JsImport().Matches("import { h } from './dom.js';\nimport {\n a,\n} from \"../api.js\";\nconst from = h('input', { id: 'a-from', type: 'date' });\nconst m = await import('./x.js');").Select(m => m.Groups["url"].Value));
        Assert.Equal("js/pages/usage.js", Resolve("js/app.js", "./pages/usage.js"));
        Assert.Equal("js/api.js", Resolve("js/pages/customer.js", "../api.js"));
    }

    private static string Resolve(string from, string reference)
    {
        var folder = Path.GetDirectoryName(from)?.Replace('\\', '/') ?? string.Empty;
        var parts = new List<string>(folder.Length == 0 ? [] : folder.Split('/'));
        foreach (var part in reference.Split('?', '#')[0].Split('/'))
        {
            if (part is "." or "")
            {
                continue;
            }

            if (part == "..")
            {
                Assert.NotEmpty(parts);
                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    [GeneratedRegex("""\b(?:src|href)\s*=\s*["'](?<url>[^"']+)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlReference();

    // import … from '…' (over lines), export … from '…', import '…', import('…').
    [GeneratedRegex("""(?:^\s*(?:import|export)\b[^'"`;]*?\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*)["'](?<url>[^"']+)["']""", RegexOptions.Multiline)]
    private static partial Regex JsImport();

    [GeneratedRegex("""\[/\^[^,]*,\s*'(?<page>[a-z]+)'""")]
    private static partial Regex RoutedPage();
}
