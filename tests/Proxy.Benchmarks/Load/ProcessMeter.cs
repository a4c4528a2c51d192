using System.Globalization;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// Reads a target's CPU time and RSS from /proc, summed over its processes (nginx's master and workers), so nothing
/// runs inside the measured process and the same numbers come out for a .NET process and for nginx.
/// </summary>
internal static class ProcessMeter
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat, 100 on every Linux ABI .NET runs on.
    private const double ClockTicksPerSecond = 100;

    public static ProcessSample Sample(IEnumerable<int> pids)
    {
        long ticks = 0;
        long rssKb = 0;
        var processes = 0;
        foreach (var pid in pids)
        {
            if (TryReadCpuTicks(pid, out var cpu) && TryReadRssKb(pid, out var rss))
            {
                ticks += cpu;
                rssKb += rss;
                processes++;
            }
        }

        return new ProcessSample(TimeSpan.FromSeconds(ticks / ClockTicksPerSecond), rssKb * 1024, processes);
    }

    /// <summary>The process and its direct children (nginx's workers), found by their parent id.</summary>
    public static IReadOnlyList<int> WithChildren(int pid)
    {
        var found = new List<int> { pid };
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate)
                && candidate != pid
                && TryReadStatFields(candidate, out var fields)
                && int.Parse(fields[1], CultureInfo.InvariantCulture) == pid)
            {
                found.Add(candidate);
            }
        }

        return found;
    }

    private static bool TryReadCpuTicks(int pid, out long ticks)
    {
        ticks = 0;
        if (!TryReadStatFields(pid, out var fields))
        {
            return false;
        }

        // Fields after the command: state(0) ppid(1) … utime(11) stime(12).
        ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>/proc/pid/stat fields after "(comm)", which may itself contain spaces.</summary>
    private static bool TryReadStatFields(int pid, out string[] fields)
    {
        fields = [];
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterCommand = stat.LastIndexOf(')');
            fields = stat[(afterCommand + 2)..].Split(' ');
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static bool TryReadRssKb(int pid, out long kb)
    {
        kb = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    kb = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    return true;
                }
            }

            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
