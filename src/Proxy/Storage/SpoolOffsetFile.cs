using System.Globalization;
using System.Text;

namespace Proxy.Storage;

/// <summary>
/// How far replay got (<c>records.offset</c>): a byte offset into the data file, as ASCII digits. Replaced whole
/// (temporary file, fsync, rename, directory fsync), so a crash leaves either the old offset or the new one.
/// </summary>
internal sealed class SpoolOffsetFile
{
    private readonly string _directory;
    private readonly ISpoolFileSystem _files;

    public SpoolOffsetFile(string directory, ISpoolFileSystem files)
    {
        _directory = directory;
        Path = System.IO.Path.Combine(directory, "records.offset");
        _files = files;
    }

    public string Path { get; }

    public bool Exists => _files.GetLength(Path) is not null;

    /// <summary>The file's text as it stands (null: no file); whether it is an offset to trust is the reader's
    /// call.</summary>
    public string? ReadText()
    {
        if (!Exists)
        {
            return null;
        }

        using var reader = new StreamReader(_files.OpenRead(Path), Encoding.ASCII);
        return reader.ReadToEnd();
    }

    public static bool TryParse(string text, out long offset) =>
        long.TryParse(text, CultureInfo.InvariantCulture, out offset) && offset >= 0;

    public void Save(long offset)
    {
        var temporary = Path + ".tmp";
        _files.WriteDurably(temporary, Encoding.ASCII.GetBytes(offset.ToString(CultureInfo.InvariantCulture)));
        _files.Move(temporary, Path);
        _files.SyncDirectory(_directory);
    }

    /// <summary>Deletes the file, durably: once this returns, a crash cannot bring it back.</summary>
    public void Delete()
    {
        _files.Delete(Path);
        _files.SyncDirectory(_directory);
    }
}
