namespace Proxy.Storage;

/// <summary>
/// The file operations the spool is built from, one call per step that can fail or be cut by a crash: the seam
/// through which tests inject a disk that fails (full, I/O error) or dies at a chosen step.
/// </summary>
internal interface ISpoolFileSystem
{
    /// <summary>Creates the directory (and its parents) unless it exists.</summary>
    void CreateDirectory(string directory);

    /// <summary>The file's length in bytes, or null when there is no such file.</summary>
    long? GetLength(string path);

    /// <summary>Opens the file for writing at its end, creating it when missing.</summary>
    ISpoolAppendFile OpenAppend(string path);

    Stream OpenRead(string path);

    /// <summary>Creates or replaces the file with these bytes, fsync'd before it returns.</summary>
    void WriteDurably(string path, ReadOnlySpan<byte> bytes);

    /// <summary>Renames the file, replacing any file at the destination.</summary>
    void Move(string source, string destination);

    /// <summary>Deletes the file; nothing happens when there is none.</summary>
    void Delete(string path);

    /// <summary>Makes the directory's entries (files created, renamed or deleted in it) durable: fsync of the
    /// directory itself, without which a crash can lose a file whose contents were fsync'd.</summary>
    void SyncDirectory(string directory);
}

/// <summary>A file open for appending.</summary>
internal interface ISpoolAppendFile : IDisposable
{
    long Length { get; }

    /// <summary>Writes at the end, unbuffered: what was not written when this throws is not written later.</summary>
    void Write(ReadOnlySpan<byte> bytes);

    /// <summary>Flushes the file's data to the disk (fsync).</summary>
    void Sync();

    /// <summary>Cuts the file to this length; following writes go at the new end.</summary>
    void Truncate(long length);
}
