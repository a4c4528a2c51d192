namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>Finds the real programs the functional tests run beside the proxy (redis-server, prometheus).</summary>
internal static class Executables
{
    public static string Find(string name, string package)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"{name} is not installed. The functional tests run the real one: install it (apt-get install -y {package}) or run deploy/local/test.sh, which does.");
    }
}
