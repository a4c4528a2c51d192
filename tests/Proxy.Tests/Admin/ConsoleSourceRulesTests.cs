using System.Text.RegularExpressions;

namespace Proxy.Tests.Admin;

/// <summary>The console renders every value as text and runs under a CSP without 'unsafe-inline': no file of it may use
/// an HTML-parsing sink, eval, an inline script, handler or style. A scan of the files keeps it so.</summary>
public sealed partial class ConsoleSourceRulesTests
{
    private static readonly (string Rule, Regex Pattern)[] Forbidden =
    [
        ("innerHTML", new Regex(@"innerHTML", RegexOptions.IgnoreCase)),
        ("outerHTML", new Regex(@"outerHTML", RegexOptions.IgnoreCase)),
        ("insertAdjacentHTML", new Regex(@"insertAdjacentHTML", RegexOptions.IgnoreCase)),
        ("document.write", new Regex(@"document\s*\.\s*write")),
        ("eval(", new Regex(@"\beval\s*\(")),
        ("new Function(", new Regex(@"\bnew\s+Function\s*\(")),
        ("string setTimeout", new Regex(@"\bset(?:Timeout|Interval)\s*\(\s*['""`]")),
        ("javascript: URL", new Regex(@"javascript\s*:", RegexOptions.IgnoreCase)),
        ("inline on… handler", new Regex(@"<[^>]*\son[a-z]+\s*=", RegexOptions.IgnoreCase)),
        ("on… attribute set from script", new Regex(@"setAttribute\(\s*['""]on", RegexOptions.IgnoreCase)),
        ("style attribute", new Regex(@"<[^>]*\sstyle\s*=|setAttribute\(\s*['""]style['""]", RegexOptions.IgnoreCase)),
        ("<style> element", new Regex(@"<style\b", RegexOptions.IgnoreCase)),
        ("<script> without src", new Regex(@"<script\b(?![^>]*\bsrc\s*=)[^>]*>", RegexOptions.IgnoreCase)),
    ];

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var path in ConsoleFilesTests.SourceFiles())
        {
            data.Add(path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void No_console_file_uses_an_html_sink_eval_or_inline_script_handler_or_style(string path)
    {
        var text = File.ReadAllText(Path.Combine(ConsoleFilesTests.SourceRoot, path));
        Assert.Empty(Violations(text));
    }

    [Theory]
    [InlineData("el.innerHTML = x;", "innerHTML")]
    [InlineData("node.outerHTML", "outerHTML")]
    [InlineData("el.insertAdjacentHTML('beforeend', s)", "insertAdjacentHTML")]
    [InlineData("document.write('<b>')", "document.write")]
    [InlineData("eval (code)", "eval(")]
    [InlineData("const f = new Function('return 1');", "new Function(")]
    [InlineData("setTimeout('go()', 10)", "string setTimeout")]
    [InlineData("<a href=\"javascript:void(0)\">", "javascript: URL")]
    [InlineData("<button onclick=\"go()\">", "inline on… handler")]
    [InlineData("<body\n  onload='x()'>", "inline on… handler")]
    [InlineData("a.setAttribute('onclick', 'x')", "on… attribute set from script")]
    [InlineData("<div style=\"color:red\">", "style attribute")]
    [InlineData("el.setAttribute(\"style\", s)", "style attribute")]
    [InlineData("<style>p{}</style>", "<style> element")]
    [InlineData("<script>alert(1)</script>", "<script> without src")]
    [InlineData("<script type=\"module\">import './a.js'</script>", "<script> without src")]
    public void The_scan_finds_each_forbidden_use(string text, string rule)
    {
        Assert.Contains(rule, Violations(text));
    }

    [Theory]
    [InlineData("<script type=\"module\" src=\"js/app.js\"></script>")]
    [InlineData("el.textContent = name; el.style.width = '3px'; h('button', { on: { click: go } });")]
    [InlineData("ctx.onLeave(() => stop()); const evaluate = 1;")]
    public void Safe_code_passes_the_scan(string text)
    {
        Assert.Empty(Violations(text));
    }

    private static List<string> Violations(string text) =>
        [.. Forbidden.Where(f => f.Pattern.IsMatch(text)).Select(f => f.Rule)];
}
