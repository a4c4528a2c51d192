namespace Proxy.TestSupport;

/// <summary>Finds the real programs run beside the proxy (redis-server, prometheus, nginx).</summary>
internal static class Executables
{
    /// <summary>A program on PATH or in the system directories (nginx is in /usr/sbin, often not on a user's PATH).</summary>
    public static string Find(string name, string package)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin", "/sbin"]);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"{name} is not installed: apt-get install -y {package} (deploy/local/test.sh does).");
    }
}
