using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Proxy.Storage;

/// <summary>
/// The local spool: record writes Redis could not take, as JSON lines (<see cref="SpoolLine"/>) appended to one file
/// and fsync'd before the write counts as done. Replay applies them in order and remembers how far it got in a second
/// file, so a replay cut by a crash resumes there; the writes themselves are idempotent (by session_id), so
/// re-applying the last few is harmless and never counts usage twice.
/// </summary>
/// <remarks>
/// What keeps an acknowledged entry (one whose append completed) from being lost, whatever fails and in what order:
/// <list type="bullet">
/// <item>The file only ever ends, as far as anyone relies on, after the last batch that was written and fsync'd
/// (<see cref="_length"/>). Bytes past it (a batch whose write or fsync failed, a line torn by a crash) were never
/// acknowledged, and are cut off before the next write: the next entry always starts a fresh line after intact ones,
/// and never lands behind pages a failed fsync may have dropped.</item>
/// <item>The directory is fsync'd after the file is created, the offset renamed into place and files deleted: a
/// file's fsync'd bytes are no use after a power cut if its name was not on the disk.</item>
/// <item>A drained spool loses its offset before its data: a crash in between replays everything once more (harmless),
/// where the other order could leave an offset that skips the start of the next file.</item>
/// </list>
/// </remarks>
internal sealed partial class RecordSpool : IDisposable
{
    private const int OffsetSaveEvery = 100;
    private const int MaxRoundBytes = 16 * 1024 * 1024;

    private readonly SpoolDataFile _data;
    private readonly SpoolOffsetFile _offset;
    private readonly long _maxBytes;
    private readonly ILogger<RecordSpool> _logger;
    private readonly ISpoolFileSystem _files;
    private readonly Lock _gate = new();
    private readonly SpoolWriterThread _writer;
    private ISpoolAppendFile? _append;
    private bool _alarmRaised;

    // The end of the last batch written and fsync'd (what the file holds, as far as anyone relies on it), and how much
    // of it has been replayed.
    private long _length;
    private long _replayed;
    private long _pendingRecords;

    public RecordSpool(IOptions<StorageOptions> options, ILogger<RecordSpool> logger)
        : this(options, logger, SpoolFileSystem.Instance)
    {
    }

    internal RecordSpool(IOptions<StorageOptions> options, ILogger<RecordSpool> logger, ISpoolFileSystem files)
    {
        var directory = options.Value.SpoolPath();
        files.CreateDirectory(directory);
        Directory = directory;
        _data = new SpoolDataFile(directory, files);
        _offset = new SpoolOffsetFile(directory, files);
        _maxBytes = options.Value.SpoolMaxBytes;
        _logger = logger;
        _files = files;
        SpoolLine.WarmUp();
        if (_data.Length is { } size)
        {
            // A line the previous process did not finish (no newline) was never acknowledged: it is not replayed, and
            // the first write cuts it off.
            _length = _data.EndOfLastLine(size);
            _replayed = ReadOffset();
        }
        else if (_offset.Exists)
        {
            // An offset without its data (left by a version that deleted them in the other order) would skip the start
            // of the next file.
            _offset.Delete();
        }

        _pendingRecords = _data.CountLines(_replayed, _length);
        _writer = new SpoolWriterThread(Write, nameof(RecordSpool));
    }

    public string Directory { get; }

    /// <summary>Bytes written but not yet replayed. Kept in memory: admission and readiness read it on every call,
    /// and must never wait for the writer's fsync.</summary>
    public long PendingBytes => Math.Max(0, Volatile.Read(ref _length) - Volatile.Read(ref _replayed));

    public bool HasPending => PendingBytes > 0;

    /// <summary>Entries written but not yet replayed (for metrics; <see cref="PendingBytes"/> is what bounds the spool).</summary>
    public long PendingRecords => Math.Max(0, Volatile.Read(ref _pendingRecords));

    public long MaxBytes => _maxBytes;

    /// <summary>Over its size bound: the instance stops admitting sessions until the spool drains.</summary>
    public bool IsFull => PendingBytes >= _maxBytes;

    /// <summary>
    /// Appends one entry; the task completes once it is fsync'd, and from then on the record survives a crash of
    /// this process. The <see cref="SpoolWriterThread"/> does the writing, so entries queued together share one fsync.
    /// </summary>
    public Task AppendAsync(SpoolEntry entry) => _writer.WriteAsync(SpoolLine.Encode(entry));

    /// <summary>Writes and fsyncs one batch; returns why it failed, or null once every entry in it is durable.</summary>
    private Exception? Write(IReadOnlyList<byte[]> lines)
    {
        // One write for the batch: a failure leaves at most one torn region, past the end the spool relies on.
        var bytes = SpoolLine.Join(lines);
        lock (_gate)
        {
            try
            {
                _append ??= OpenForAppend();
                _append.Write(bytes);
                _append.Sync();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Reopened for the next batch, which first cuts off whatever of this one reached the file.
                CloseAppend();
                WriteFailed(_logger, Directory, lines.Count, ex.Message);
                return ex;
            }

            Volatile.Write(ref _length, _length + bytes.Length);
            Interlocked.Add(ref _pendingRecords, lines.Count);
            var pending = PendingBytes;
            if (pending >= _maxBytes && !_alarmRaised)
            {
                _alarmRaised = true;
                SpoolFull(_logger, Directory, pending, _maxBytes);
            }
        }

        return null;
    }

    /// <summary>
    /// Applies every pending entry in order. Stops at the first failure (Redis went away again), keeping its place.
    /// Returns how many entries were applied.
    /// </summary>
    public async Task<int> ReplayAsync(Func<SpoolEntry, Task> apply, CancellationToken cancellationToken)
    {
        var offset = Volatile.Read(ref _replayed);
        var end = Volatile.Read(ref _length);
        if (end <= offset || _data.Length is null)
        {
            return 0;
        }

        // A round reads at most this much; the next round goes on from where it stopped.
        var chunk = new byte[(int)Math.Min(end - offset, MaxRoundBytes)];
        await _data.ReadAsync(offset, chunk, cancellationToken).ConfigureAwait(false);

        var applied = 0;
        var start = 0;
        for (var newline = Array.IndexOf(chunk, SpoolLine.End); newline >= 0 && !cancellationToken.IsCancellationRequested; newline = Array.IndexOf(chunk, SpoolLine.End, start))
        {
            var entry = Parse(chunk.AsSpan(start, newline - start));
            if (entry is not null)
            {
                await apply(entry).ConfigureAwait(false);
                applied++;
                if (applied % OffsetSaveEvery == 0)
                {
                    _offset.Save(offset + newline + 1);
                }

                Volatile.Write(ref _replayed, offset + newline + 1);
            }

            Interlocked.Decrement(ref _pendingRecords);

            start = newline + 1;
        }

        // The file ends on a line (_length is the end of a written batch), so bytes after the last newline are a line
        // the round's size bound cut: the next round reads it whole.
        offset += start;

        lock (_gate)
        {
            if (offset >= _length)
            {
                // Everything replayed and nothing appended meanwhile: start afresh. The offset goes first, durably: if
                // the data outlives it (a crash, a failed delete), it is replayed once more, which is harmless; an
                // offset outliving its data would skip the start of the next file.
                CloseAppend();
                _offset.Delete();
                _data.Delete();
                _alarmRaised = false;
                Volatile.Write(ref _pendingRecords, 0);
                Volatile.Write(ref _length, 0);
                Volatile.Write(ref _replayed, 0);
                _files.SyncDirectory(Directory);
            }
            else
            {
                _offset.Save(offset);
                Volatile.Write(ref _replayed, offset);
            }
        }

        return applied;
    }

    /// <summary>
    /// Opens the file for the next batch, cut back to the end of the last batch written and fsync'd, with its name
    /// on the disk. Called under <see cref="_gate"/>.
    /// </summary>
    private ISpoolAppendFile OpenForAppend()
    {
        var file = _data.OpenAppend();
        try
        {
            var length = file.Length;
            if (length < _length)
            {
                // Not this process's doing (the file was cut or replaced under it): go on from what is there.
                SpoolShrunk(_logger, Directory, length, _length);
                Volatile.Write(ref _length, _data.EndOfLastLine(length));
                Volatile.Write(ref _replayed, Math.Min(_replayed, _length));
                Volatile.Write(ref _pendingRecords, _data.CountLines(_replayed, _length));
            }

            if (length > _length)
            {
                file.Truncate(_length);
                file.Sync();
                TailCut(_logger, Directory, length - _length);
            }

            _files.SyncDirectory(Directory);
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private void CloseAppend()
    {
        try
        {
            _append?.Dispose();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing is buffered (appends are unbuffered): closing cannot lose a byte that matters.
        }

        _append = null;
    }

    public void Dispose()
    {
        // Entries already queued are still written before the file is closed.
        _writer.Dispose();
        lock (_gate)
        {
            CloseAppend();
        }
    }

    private SpoolEntry? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            return SpoolLine.Decode(line);
        }
        catch (JsonException ex)
        {
            CorruptLine(_logger, Directory, Encoding.UTF8.GetString(line), ex);
            return null;
        }
    }

    /// <summary>The saved offset when it is a line start within the file; else 0 (everything is replayed again, which
    /// is harmless, where a wrong offset could skip records).</summary>
    private long ReadOffset()
    {
        if (_offset.ReadText() is not { } text)
        {
            return 0;
        }

        if (SpoolOffsetFile.TryParse(text, out var offset) && offset <= _length && _data.IsLineStart(offset))
        {
            return offset;
        }

        OffsetDiscarded(_logger, Directory, text, _length);
        return 0;
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Critical, Message = "Record spool in {Directory} holds {PendingBytes} bytes, over its bound of {MaxBytes}: new sessions are refused until Redis takes the records")]
    private static partial void SpoolFull(ILogger logger, string directory, long pendingBytes, long maxBytes);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Record spool in {Directory} has an unreadable line, skipped: {Line}")]
    private static partial void CorruptLine(ILogger logger, string directory, string line, Exception exception);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Error, Message = "Record spool in {Directory} could not write {Count} records, none of them acknowledged: {Reason}")]
    private static partial void WriteFailed(ILogger logger, string directory, int count, string reason);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Record spool in {Directory}: cut off {Bytes} bytes past its last complete write (a write that failed, or a line torn by a crash; never acknowledged)")]
    private static partial void TailCut(ILogger logger, string directory, long bytes);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Warning, Message = "Record spool in {Directory}: saved offset '{Offset}' is not a line start within its {Length} bytes; replaying the whole file (replay is idempotent)")]
    private static partial void OffsetDiscarded(ILogger logger, string directory, string offset, long length);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Critical, Message = "Record spool in {Directory} holds {Length} bytes where this process wrote {Expected}: the file was cut or replaced from outside")]
    private static partial void SpoolShrunk(ILogger logger, string directory, long length, long expected);
}
