using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Proxy.TestSupport;

/// <summary>
/// A process started by a test or by the load comparison. Its output is either captured line by line in memory
/// (<see cref="Start"/>: tests wait for and scan it) or appended to a log file by the process itself
/// (<see cref="StartLogged"/>: whoever started it spends no CPU reading it). <see cref="ProcessLauncher"/> picks one.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan LogPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly Process _process;
    private readonly TimeSpan _stopGrace;
    private readonly long _logStart;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<Match> Found)> _waiters = [];
    private readonly Lock _gate = new();

    private ChildProcess(Process process, string name, TimeSpan stopGrace, string? logPath)
    {
        _process = process;
        Name = name;
        _stopGrace = stopGrace;
        LogPath = logPath;

        // Processes of the same name append to the same log (one proxy per run): this one's lines start here.
        _logStart = logPath is not null && File.Exists(logPath) ? new FileInfo(logPath).Length : 0;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The file the process appends its output to; null when the output is captured in memory.</summary>
    public string? LogPath { get; }

    /// <summary>The lines the process has printed so far (stdout and stderr).</summary>
    public IEnumerable<string> Output => LogPath is null ? _lines : ReadLog();

    /// <summary>Starts a process with its output captured in memory; disposing it kills it at once, as a crash
    /// would.</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepositoryPaths.Root,
        };
        Configure(info, arguments, environment);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, name, TimeSpan.Zero, logPath: null);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Starts a process that appends its output to <c>&lt;logDirectory&gt;/&lt;name&gt;.log</c> (through the shell's
    /// exec, so the process id is the program's own); disposing it stops it as an orchestrator does (SIGTERM, SIGKILL
    /// after 30 s).
    /// </summary>
    public static ChildProcess StartLogged(string name, string fileName, IEnumerable<string> arguments, string logDirectory, IDictionary<string, string?>? environment = null)
    {
        var logPath = Path.Combine(logDirectory, name + ".log");
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = logDirectory };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("exec \"$0\" \"$@\" >>\"$LOAD_LOG\" 2>&1 </dev/null");
        info.ArgumentList.Add(fileName);
        info.Environment["LOAD_LOG"] = logPath;
        Configure(info, arguments, environment);

        var child = new ChildProcess(new Process { StartInfo = info }, name, TimeSpan.FromSeconds(30), logPath);
        if (!child._process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        return child;
    }

    /// <summary>
    /// Raises the process's scheduling priority where the OS allows it (root on Linux). The functional tests compare
    /// timestamps taken by two processes to the millisecond; on a 2-core machine a measured process otherwise waits
    /// for a core behind the test host exactly when it takes one.
    /// </summary>
    public void PreferScheduling()
    {
        try
        {
            _process.PriorityClass = ProcessPriorityClass.AboveNormal;
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException or UnauthorizedAccessException)
        {
            // Not permitted here: the test host's own lower priority still applies.
        }
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/> (also one already printed).</summary>
    public async Task<Match> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        if (LogPath is not null)
        {
            // Nothing reads a log file as it grows: look again now and then.
            Match? match = null;
            await WaitUntilAsync(() => Task.FromResult((match = FirstMatch(Output, regex)) is not null), timeout, $"printing /{pattern}/").ConfigureAwait(false);
            return match!;
        }

        var found = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (FirstMatch(_lines, regex) is { } printed)
            {
                return printed;
            }

            _waiters.Add((regex, found));
        }

        var exited = _process.WaitForExitAsync();
        var winner = await Task.WhenAny(found.Task, exited, Task.Delay(timeout)).ConfigureAwait(false);
        if (winner == found.Task)
        {
            return await found.Task.ConfigureAwait(false);
        }

        throw new TimeoutException(winner == exited
            ? $"{Name} exited with code {_process.ExitCode} before printing /{pattern}/. {Tail()}"
            : $"{Name} did not print /{pattern}/ within {timeout}. {Tail()}");
    }

    /// <summary>Polls until <paramref name="ready"/> holds; fails with the output's tail if the process exits first.</summary>
    public async Task WaitUntilAsync(Func<Task<bool>> ready, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new TimeoutException($"{Name} exited with code {_process.ExitCode} before {what}. {Tail()}");
            }

            if (await ready().ConfigureAwait(false))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Name}: not {what} within {timeout}. {Tail()}");
            }

            await Task.Delay(LogPollInterval).ConfigureAwait(false);
        }
    }

    /// <summary>Sends SIGTERM, as an orchestrator does, and waits for the process to exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        await SignalAsync("TERM").ConfigureAwait(false);
        return await WaitForExitAsync(timeout).ConfigureAwait(false);
    }

    /// <summary>Sends a signal by name (TERM, STOP, CONT, ...) without waiting for its effect.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().ConfigureAwait(false);
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {Name} failed with exit code {kill.ExitCode}");
        }
    }

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>SIGTERM (a graceful stop), then SIGKILL after <paramref name="grace"/>; no grace kills at once.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (grace <= TimeSpan.Zero || _process.HasExited)
        {
            await KillAsync().ConfigureAwait(false);
            return;
        }

        await SignalAsync("TERM").ConfigureAwait(false);
        try
        {
            await WaitForExitAsync(grace).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await KillAsync().ConfigureAwait(false);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(_stopGrace).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    /// <summary>Adds the arguments and sets the variables; a null value removes one the process would inherit.</summary>
    private static void Configure(ProcessStartInfo info, IEnumerable<string> arguments, IDictionary<string, string?>? environment)
    {
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(key);
            }
            else
            {
                info.Environment[key] = value;
            }
        }
    }

    private static Match? FirstMatch(IEnumerable<string> lines, Regex regex)
    {
        foreach (var line in lines)
        {
            if (regex.Match(line) is { Success: true } match)
            {
                return match;
            }
        }

        return null;
    }

    private string Tail() =>
        (LogPath is null ? "Output:\n" : $"Log {LogPath}:\n") + string.Join('\n', Output.TakeLast(40));

    private List<string> ReadLog()
    {
        var lines = new List<string>();
        try
        {
            using var stream = new FileStream(LogPath!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(_logStart, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                lines.Add(line);
            }
        }
        catch (IOException)
        {
            // Not created yet: the shell opens it as it execs the program.
        }

        return lines;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Enqueue(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Pattern.Match(line) is { Success: true } match)
                {
                    _waiters[i].Found.TrySetResult(match);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
