using System.Security.Cryptography;

namespace Proxy.TestSupport;

/// <summary>
/// How a run starts the processes it works against (Redis, the emulator, the proxy, nginx) and where their files go.
/// <see cref="Tests"/>: output captured in memory, where tests wait for and scan lines; processes killed when done, as
/// a crash would; files in temporary directories removed afterwards; the processes whose timestamps tests compare
/// scheduled ahead of the test host. <see cref="LoadRun"/>: each process appends its output to a log file itself, so
/// the load generator spends no CPU reading it; processes stopped as an orchestrator does; files kept in the run's
/// directory beside the logs; every process at the generator's priority, so that the targets compare.
/// </summary>
internal sealed class ProcessLauncher
{
    private readonly string? _runDirectory;
    private readonly IReadOnlyDictionary<string, string?> _environment;

    private ProcessLauncher(string? runDirectory, IReadOnlyDictionary<string, string?> environment)
    {
        _runDirectory = runDirectory;
        _environment = environment;
    }

    public static ProcessLauncher Tests { get; } = new(null, new Dictionary<string, string?>());

    /// <param name="runDirectory">Where the logs (<c>&lt;name&gt;.log</c>) and every process's directory go.</param>
    /// <param name="environment">Set in every process's environment; a null value removes a variable it would
    /// inherit from the run.</param>
    public static ProcessLauncher LoadRun(string runDirectory, IReadOnlyDictionary<string, string?> environment) => new(runDirectory, environment);

    /// <summary>Starts a process; <paramref name="measured"/> marks one whose timestamps the tests compare to the
    /// millisecond (the proxy, the emulator).</summary>
    public ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, bool measured = false)
    {
        var variables = new Dictionary<string, string?>(_environment);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            variables[key] = value;
        }

        if (_runDirectory is not null)
        {
            return ChildProcess.StartLogged(name, fileName, arguments, _runDirectory, variables);
        }

        var process = ChildProcess.Start(name, fileName, arguments, variables);
        if (measured)
        {
            process.PreferScheduling();
        }

        return process;
    }

    /// <summary>A new, empty directory of its own for one process's files.</summary>
    public string CreateDirectory(string name) => _runDirectory is null
        ? Directory.CreateTempSubdirectory($"dgproxy-{name}-").FullName
        : Directory.CreateDirectory(Path.Combine(_runDirectory, $"{name}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}")).FullName;

    /// <summary>Done with a directory from <see cref="CreateDirectory"/>: a test's goes; a load run's stays with its
    /// logs (the run removes its whole directory once it succeeded).</summary>
    public void ReleaseDirectory(string path)
    {
        if (_runDirectory is not null)
        {
            return;
        }

        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Still in use by a process that has not quite gone: the system's temp cleanup takes it.
        }
    }
}
