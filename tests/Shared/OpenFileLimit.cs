using System.Globalization;

namespace Proxy.TestSupport;

/// <summary>The hard limit on open files that the targets inherit from this process (/proc/self/limits).</summary>
internal static class OpenFileLimit
{
    public static int Hard()
    {
        foreach (var line in File.ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields[1] == "unlimited" ? int.MaxValue : (int)Math.Min(int.MaxValue, long.Parse(fields[1], CultureInfo.InvariantCulture));
            }
        }

        throw new InvalidOperationException("no 'Max open files' line in /proc/self/limits");
    }
}
