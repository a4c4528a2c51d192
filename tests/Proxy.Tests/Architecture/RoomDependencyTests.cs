using System.Text.RegularExpressions;
using Proxy.TestSupport;

namespace Proxy.Tests.Architecture;

/// <summary>
/// The rooms of src/Proxy and the one way their arrows point (README, "Architecture"): from the edge (Hosting, Admin,
/// Gateway) to the core (Metering, Tunnel, Runtime, Telemetry). A room may use only rooms further in; a lower room
/// that must call up does so through an interface it owns. Read from the source: <c>using Proxy.X;</c> lines and
/// qualified names (<c>Proxy.X.Type</c>, <c>X.Type</c>) outside comments.
/// </summary>
public sealed partial class RoomDependencyTests
{
    /// <summary>Edge first. Telemetry and Runtime are used by every room; Telemetry uses only Runtime, Runtime none.</summary>
    private static readonly string[] Rooms =
        ["Hosting", "Admin", "Gateway", "Sessions", "Billing", "Customers", "Storage", "Metering", "Tunnel", "Telemetry", "Runtime"];

    private static readonly string SourceRoot = Path.Combine(RepositoryPaths.Root, "src", "Proxy");

    [Fact]
    public void Every_folder_of_the_gateway_is_a_known_room()
    {
        var folders = Directory.GetDirectories(SourceRoot)
            .Where(dir => Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories).Any())
            .Select(Path.GetFileName)
            .Where(name => name is not ("bin" or "obj"))
            .ToList();
        Assert.All(folders, folder => Assert.Contains(folder, Rooms));
    }

    [Fact]
    public void Every_room_uses_only_rooms_further_in()
    {
        var violations = new List<string>();
        foreach (var (room, file, used) in References())
        {
            if (!Allowed(room, used))
            {
                violations.Add($"{Path.GetRelativePath(SourceRoot, file)}: {room} uses {used}");
            }
        }

        Assert.True(violations.Count == 0, "Arrows pointing outward:\n" + string.Join('\n', violations.Distinct()));
    }

    [Fact]
    public void StackExchange_Redis_is_used_only_in_storage_and_the_features_store_classes()
    {
        var offenders = SourceFiles()
            .Where(file => !Path.GetRelativePath(SourceRoot, file).StartsWith("Storage" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Where(file => !Path.GetFileNameWithoutExtension(file).EndsWith("Store", StringComparison.Ordinal))
            .Where(file => Code(file).Contains("StackExchange.Redis", StringComparison.Ordinal))
            .Select(file => Path.GetRelativePath(SourceRoot, file))
            .ToList();
        Assert.True(offenders.Count == 0, "Redis types outside Storage/ and *Store classes: " + string.Join(", ", offenders));
    }

    [Theory]
    [InlineData("Gateway", "Sessions", true)]
    [InlineData("Sessions", "Tunnel", true)]
    [InlineData("Tunnel", "Sessions", false)]
    [InlineData("Telemetry", "Storage", false)]
    [InlineData("Runtime", "Telemetry", false)]
    [InlineData("Telemetry", "Runtime", true)]
    [InlineData("Tunnel", "Telemetry", true)]
    [InlineData("Storage", "Telemetry", true)]
    [InlineData("Admin", "Hosting", false)]
    [InlineData("Sessions", "Sessions", true)]
    public void The_rule_itself(string room, string used, bool allowed) => Assert.Equal(allowed, Allowed(room, used));

    private static bool Allowed(string room, string used)
    {
        if (room == used)
        {
            return true;
        }

        if (room == "Runtime")
        {
            return false;
        }

        return used is "Runtime" or "Telemetry" && room != "Telemetry"
            || Array.IndexOf(Rooms, used) > Array.IndexOf(Rooms, room);
    }

    private static IEnumerable<(string Room, string File, string Used)> References()
    {
        foreach (var file in SourceFiles())
        {
            var relative = Path.GetRelativePath(SourceRoot, file);
            var separator = relative.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal);
            if (separator < 0)
            {
                continue; // Program.cs: the composition root's table of contents uses every room.
            }

            var room = relative[..separator];
            var code = Code(file);
            foreach (var used in UsingLine().Matches(code).Concat(QualifiedName().Matches(code)).Select(m => m.Groups["room"].Value))
            {
                if (Rooms.Contains(used))
                {
                    yield return (room, file, used);
                }
            }
        }
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>The file without its comments (doc comments may name any type).</summary>
    private static string Code(string file) => string.Join('\n', File.ReadLines(file).Select(line => LineComment().Replace(line, "")));

    [GeneratedRegex(@"^\s*using\s+(static\s+)?Proxy\.(?<room>\w+)", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"(?<![\w.])(Proxy\.)?(?<room>Hosting|Admin|Gateway|Sessions|Billing|Customers|Storage|Metering|Tunnel|Runtime|Telemetry)\.[A-Z]\w*")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"//.*$")]
    private static partial Regex LineComment();
}
