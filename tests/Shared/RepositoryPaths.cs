using System.Reflection;

namespace Proxy.TestSupport;

/// <summary>Where the repository and the build outputs of the proxy and the emulator are: the functional tests and
/// the load benchmark run the solution's own build, in the configuration they were built in themselves.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Configuration { get; } =
        Assembly.GetExecutingAssembly().GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";

    public static string ProxyDll => Output("Proxy", "Proxy.dll");

    public static string EmulatorDll => Output("Proxy.Emulator", "Proxy.Emulator.dll");

    public static string SdkE2eDirectory => Path.Combine(Root, "tests", "sdk-e2e");

    private static string Output(string project, string dll)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: build the solution first (dotnet build Proxy.sln -c {Configuration}).");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Proxy.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Proxy.sln not found above " + AppContext.BaseDirectory);
    }
}
