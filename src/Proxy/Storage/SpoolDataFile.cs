namespace Proxy.Storage;

/// <summary>
/// The spool's data file (<c>records.jsonl</c>) read as lines: where complete lines end, how many there are, and the
/// bytes of a stretch of them. Writing goes through <see cref="OpenAppend"/>; what may be written, and where, is the
/// spool's business.
/// </summary>
internal sealed class SpoolDataFile
{
    private const int ScanBytes = 64 * 1024;

    private readonly ISpoolFileSystem _files;

    public SpoolDataFile(string directory, ISpoolFileSystem files)
    {
        Path = System.IO.Path.Combine(directory, "records.jsonl");
        _files = files;
    }

    public string Path { get; }

    /// <summary>The file's length in bytes, or null when there is no file.</summary>
    public long? Length => _files.GetLength(Path);

    public ISpoolAppendFile OpenAppend() => _files.OpenAppend(Path);

    public void Delete() => _files.Delete(Path);

    /// <summary>Reads exactly <paramref name="into"/>'s length in bytes, from <paramref name="offset"/> on.</summary>
    public async Task ReadAsync(long offset, byte[] into, CancellationToken cancellationToken)
    {
        await using (var reader = _files.OpenRead(Path))
        {
            reader.Seek(offset, SeekOrigin.Begin);
            await reader.ReadExactlyAsync(into, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>How many lines end between the two offsets.</summary>
    public long CountLines(long from, long to)
    {
        if (to <= from)
        {
            return 0;
        }

        using var stream = _files.OpenRead(Path);
        stream.Seek(from, SeekOrigin.Begin);
        var buffer = new byte[ScanBytes];
        long lines = 0;
        for (var left = to - from; left > 0;)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                break;
            }

            lines += buffer.AsSpan(0, read).Count(SpoolLine.End);
            left -= read;
        }

        return lines;
    }

    /// <summary>Where the last complete line of the file's first <paramref name="size"/> bytes ends (0: none).</summary>
    public long EndOfLastLine(long size)
    {
        using var stream = _files.OpenRead(Path);
        var buffer = new byte[ScanBytes];
        for (var end = size; end > 0;)
        {
            var start = Math.Max(0, end - buffer.Length);
            var count = (int)(end - start);
            stream.Seek(start, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, count);
            var newline = buffer.AsSpan(0, count).LastIndexOf(SpoolLine.End);
            if (newline >= 0)
            {
                return start + newline + 1;
            }

            end = start;
        }

        return 0;
    }

    /// <summary>Whether a line starts at <paramref name="offset"/> (the byte before it ends a line).</summary>
    public bool IsLineStart(long offset)
    {
        if (offset == 0)
        {
            return true;
        }

        using var stream = _files.OpenRead(Path);
        stream.Seek(offset - 1, SeekOrigin.Begin);
        return stream.ReadByte() == SpoolLine.End;
    }
}
