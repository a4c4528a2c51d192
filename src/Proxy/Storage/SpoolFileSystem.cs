using System.ComponentModel;
using System.Runtime.InteropServices;

namespace Proxy.Storage;

/// <summary>The spool's file operations on the real disk.</summary>
internal sealed class SpoolFileSystem : ISpoolFileSystem
{
    public static SpoolFileSystem Instance { get; } = new();

    public void CreateDirectory(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        Directory.CreateDirectory(directory);
        if (Path.GetDirectoryName(directory) is { } parent)
        {
            // The new directory's own entry must survive a crash, or so would not the files in it.
            SyncDirectory(parent);
        }
    }

    public long? GetLength(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : null;
    }

    public ISpoolAppendFile OpenAppend(string path) => new AppendFile(path);

    public Stream OpenRead(string path) =>
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

    public void WriteDurably(string path, ReadOnlySpan<byte> bytes)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        file.Write(bytes);
        file.Flush(flushToDisk: true);
    }

    public void Move(string source, string destination) => File.Move(source, destination, overwrite: true);

    public void Delete(string path) => File.Delete(path);

    public void SyncDirectory(string directory)
    {
        // Windows (NTFS) journals directory changes itself and cannot open a directory for flushing.
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var descriptor = Posix.Open(directory, 0 /* O_RDONLY */);
        if (descriptor < 0)
        {
            throw ErrorOf("open", directory);
        }

        try
        {
            // EINVAL: a file system (some network ones) that has nothing to flush for a directory.
            if (Posix.FSync(descriptor) != 0 && Marshal.GetLastPInvokeError() != Posix.EInval)
            {
                throw ErrorOf("fsync", directory);
            }
        }
        finally
        {
            _ = Posix.Close(descriptor);
        }
    }

    private static IOException ErrorOf(string call, string directory)
    {
        var error = Marshal.GetLastPInvokeError();
        return new IOException($"{call} of directory {directory} failed: {new Win32Exception(error).Message}", error);
    }

    private sealed class AppendFile : ISpoolAppendFile
    {
        private readonly FileStream _stream;

        public AppendFile(string path)
        {
            // Unbuffered: a write that failed leaves nothing behind in a buffer that a later flush would still write.
            _stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);
            _stream.Seek(0, SeekOrigin.End);
        }

        public long Length => _stream.Length;

        public void Write(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        public void Sync() => _stream.Flush(flushToDisk: true);

        public void Truncate(long length)
        {
            _stream.SetLength(length);
            _stream.Seek(0, SeekOrigin.End);
        }

        public void Dispose() => _stream.Dispose();
    }

    // DllImport rather than LibraryImport: the generated marshalling would need the whole project to allow unsafe code
    // for three calls made once per outage.
    private static class Posix
    {
        public const int EInval = 22;

        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int FSync(int descriptor);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Close(int descriptor);
    }
}
