using Proxy.Storage;

namespace Proxy.Tests.Storage;

/// <summary>One step of the spool on its disk: the steps that change the disk, numbered from 1.</summary>
internal sealed record SpoolStep(int Number, string Operation, string Path);

/// <summary>
/// A disk in memory that keeps apart what the process sees and what would survive a power cut, as POSIX promises it:
/// a file's bytes are on the disk once the file is fsync'd, a file's name (created, renamed, deleted) once its
/// directory is. A failing step can be injected (<see cref="Fail"/>: a write then stores only half its bytes, as a
/// full disk does; an fsync loses the bytes it did not flush, as Linux does after a write-back error), and a crash
/// (<see cref="CrashAfter"/>: from then on every step throws and changes nothing; reads still work, they change
/// nothing either); the disk left behind is reopened
/// with <see cref="AfterProcessCrash"/> or <see cref="AfterPowerLoss"/>.
/// </summary>
internal sealed class MemorySpoolFileSystem : ISpoolFileSystem
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Inode> _names;
    private readonly Dictionary<string, Inode> _durableNames;
    private int _steps;

    public MemorySpoolFileSystem()
        : this(new Dictionary<string, Inode>(), new Dictionary<string, Inode>())
    {
    }

    private MemorySpoolFileSystem(Dictionary<string, Inode> names, Dictionary<string, Inode> durableNames)
    {
        _names = names;
        _durableNames = durableNames;
    }

    /// <summary>Which steps fail with an <see cref="IOException"/> (a full or failing disk).</summary>
    public Func<SpoolStep, bool>? Fail { get; set; }

    /// <summary>The process dies after this many steps: every later one throws and changes nothing.</summary>
    public int? CrashAfter { get; set; }

    public int Steps
    {
        get
        {
            lock (_gate)
            {
                return _steps;
            }
        }
    }

    public List<SpoolStep> History { get; } = [];

    /// <summary>The disk as the next process finds it when this one was killed: the kernel still had every write.</summary>
    public MemorySpoolFileSystem AfterProcessCrash()
    {
        lock (_gate)
        {
            var copies = new Dictionary<Inode, Inode>();
            Inode Copy(Inode inode) => copies.TryGetValue(inode, out var copy) ? copy : copies[inode] = inode.Copy();
            return new MemorySpoolFileSystem(
                _names.ToDictionary(entry => entry.Key, entry => Copy(entry.Value)),
                _durableNames.ToDictionary(entry => entry.Key, entry => Copy(entry.Value)));
        }
    }

    /// <summary>The disk as the next boot finds it after a power cut: only what was fsync'd.</summary>
    public MemorySpoolFileSystem AfterPowerLoss()
    {
        lock (_gate)
        {
            var names = _durableNames.ToDictionary(entry => entry.Key, entry => Inode.From(entry.Value.Durable));
            return new MemorySpoolFileSystem(names, new Dictionary<string, Inode>(names));
        }
    }

    /// <summary>What the process would read from the file, or null when there is none.</summary>
    public byte[]? Contents(string path)
    {
        lock (_gate)
        {
            return _names.TryGetValue(path, out var inode) ? [.. inode.Data] : null;
        }
    }

    /// <summary>Puts a file on the disk as if it had been written and fsync'd, name included.</summary>
    public void Put(string path, byte[] contents)
    {
        lock (_gate)
        {
            _names[path] = _durableNames[path] = Inode.From(contents);
        }
    }

    public IReadOnlyList<string> Files
    {
        get
        {
            lock (_gate)
            {
                return [.. _names.Keys.Order(StringComparer.Ordinal)];
            }
        }
    }

    public void CreateDirectory(string directory)
    {
    }

    public long? GetLength(string path)
    {
        lock (_gate)
        {
            return _names.TryGetValue(path, out var inode) ? inode.Data.Count : null;
        }
    }

    public ISpoolAppendFile OpenAppend(string path)
    {
        lock (_gate)
        {
            Step("open", path);
            if (!_names.TryGetValue(path, out var inode))
            {
                inode = _names[path] = new Inode();
            }

            return new AppendFile(this, path, inode);
        }
    }

    public Stream OpenRead(string path)
    {
        lock (_gate)
        {
            return _names.TryGetValue(path, out var inode)
                ? new MemoryStream([.. inode.Data], writable: false)
                : throw new FileNotFoundException("no such file", path);
        }
    }

    public void WriteDurably(string path, ReadOnlySpan<byte> bytes)
    {
        lock (_gate)
        {
            Step("write-durably", path);
            if (!_names.TryGetValue(path, out var inode))
            {
                inode = _names[path] = new Inode();
            }

            inode.Data.Clear();
            inode.Data.AddRange(bytes);
            inode.Durable = [.. inode.Data];
        }
    }

    public void Move(string source, string destination)
    {
        lock (_gate)
        {
            Step("move", source);
            if (!_names.Remove(source, out var inode))
            {
                throw new FileNotFoundException("no such file", source);
            }

            _names[destination] = inode;
        }
    }

    public void Delete(string path)
    {
        lock (_gate)
        {
            Step("delete", path);
            _names.Remove(path);
        }
    }

    public void SyncDirectory(string directory)
    {
        lock (_gate)
        {
            Step("sync-directory", directory);
            foreach (var name in _durableNames.Keys.Where(name => Path.GetDirectoryName(name) == directory).ToList())
            {
                _durableNames.Remove(name);
            }

            foreach (var (name, inode) in _names.Where(entry => Path.GetDirectoryName(entry.Key) == directory))
            {
                _durableNames[name] = inode;
            }
        }
    }

    /// <summary>Counts a step; throws when the process is dead (nothing changes) or when this step is to fail.</summary>
    private bool Step(string operation, string path, bool failsPartially = false)
    {
        ThrowIfDead();
        var step = new SpoolStep(++_steps, operation, path);
        History.Add(step);
        if (Fail?.Invoke(step) == true)
        {
            if (failsPartially)
            {
                return false;
            }

            throw new IOException($"injected failure of step {step}");
        }

        return true;
    }

    private void ThrowIfDead()
    {
        if (_steps >= CrashAfter)
        {
            throw new IOException($"the process crashed after step {CrashAfter}");
        }
    }

    internal sealed class Inode
    {
        public List<byte> Data { get; } = [];

        /// <summary>The bytes on the disk, as of the last fsync.</summary>
        public byte[] Durable { get; set; } = [];

        /// <summary>Bytes that a failed fsync dropped from the page cache's write-back: the disk never gets them,
        /// and a later fsync that succeeds says nothing about them (Linux since 4.13).</summary>
        public List<(int Start, int End)> Lost { get; } = [];

        public static Inode From(byte[] contents)
        {
            var inode = new Inode { Durable = contents };
            inode.Data.AddRange(contents);
            return inode;
        }

        public Inode Copy()
        {
            var copy = new Inode { Durable = Durable };
            copy.Data.AddRange(Data);
            copy.Lost.AddRange(Lost);
            return copy;
        }

        public void Sync()
        {
            var durable = Data.ToArray();
            foreach (var (start, end) in Lost)
            {
                for (var i = start; i < Math.Min(end, durable.Length); i++)
                {
                    // What a block never written holds after the crash: zeros, on the file systems that hide stale data.
                    durable[i] = 0;
                }
            }

            Durable = durable;
        }
    }

    private sealed class AppendFile(MemorySpoolFileSystem disk, string path, Inode inode) : ISpoolAppendFile
    {
        public long Length
        {
            get
            {
                lock (disk._gate)
                {
                    return inode.Data.Count;
                }
            }
        }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            lock (disk._gate)
            {
                if (!disk.Step("write", path, failsPartially: true))
                {
                    inode.Data.AddRange(bytes[..(bytes.Length / 2)]);
                    throw new IOException($"injected failure: no space left on device after {bytes.Length / 2} of {bytes.Length} bytes");
                }

                inode.Data.AddRange(bytes);
            }
        }

        public void Sync()
        {
            lock (disk._gate)
            {
                if (!disk.Step("sync", path, failsPartially: true))
                {
                    inode.Lost.Add((inode.Durable.Length, inode.Data.Count));
                    throw new IOException("injected failure: fsync reported an I/O error");
                }

                inode.Sync();
            }
        }

        public void Truncate(long length)
        {
            lock (disk._gate)
            {
                disk.Step("truncate", path);
                inode.Data.RemoveRange((int)length, inode.Data.Count - (int)length);

                // Pages cut off are gone with their errors: bytes written there later are new pages.
                for (var i = inode.Lost.Count - 1; i >= 0; i--)
                {
                    var (start, end) = inode.Lost[i];
                    if (start >= length)
                    {
                        inode.Lost.RemoveAt(i);
                    }
                    else
                    {
                        inode.Lost[i] = (start, Math.Min(end, (int)length));
                    }
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
