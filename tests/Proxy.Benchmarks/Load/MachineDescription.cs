using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Proxy.Benchmarks.Load;

/// <summary>The machine and software a result was measured on, for the heading of the output.</summary>
internal static class MachineDescription
{
    public static string Describe()
    {
        var model = File.ReadLines("/proc/cpuinfo")
            .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        return $"{Environment.ProcessorCount} cores ({model}), {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {NginxVersion()}";
    }

    private static string NginxVersion()
    {
        try
        {
            var info = new ProcessStartInfo(Executables.Find("nginx", "nginx"), "-v") { RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(info)!;
            var version = process.StandardError.ReadToEnd().Trim();
            process.WaitForExit();
            return version.Replace("nginx version: ", string.Empty, StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            return "nginx not installed";
        }
    }
}
