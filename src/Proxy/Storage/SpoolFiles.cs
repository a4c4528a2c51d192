using System.Runtime.InteropServices;

namespace Proxy.Storage;

/// <summary>File-system steps the spool's crash safety rests on.</summary>
internal static class SpoolFiles
{
    /// <summary>
    /// fsyncs a directory, so a file created, renamed or deleted in it stays so after a power loss (POSIX makes the
    /// name durable only with the directory). .NET cannot open a directory as a stream, hence open(2) and fsync(2).
    /// A no-op where there is no such thing (Windows).
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open the spool directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of the spool directory {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // DllImport, not LibraryImport: the generated marshalling needs unsafe code, for three calls off the hot path.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
