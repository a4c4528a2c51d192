using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Proxy.Storage;

/// <summary>
/// The local spool: record writes Redis could not take, as JSON lines appended to one file and fsync'd before the
/// write counts as done. Replay applies them in order and remembers how far it got in a second file, so a replay cut
/// by a crash resumes there; the writes themselves are idempotent (by session_id), so re-applying the last few is
/// harmless and never counts usage twice.
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

    private static readonly Metering.SessionRecord WarmUpRecord = new()
    {
        SessionId = string.Empty,
        CustomerId = string.Empty,
        KeyId = string.Empty,
        InstanceId = string.Empty,
        ClientOpenedAtMs = 0,
        Status = Metering.SessionStatus.Open,
    };
    private const int MaxRoundBytes = 16 * 1024 * 1024;
    private const int ScanBytes = 64 * 1024;

    private readonly string _file;
    private readonly string _offsetFile;
    private readonly long _maxBytes;
    private readonly ILogger<RecordSpool> _logger;
    private readonly ISpoolFileSystem _files;
    private readonly Lock _gate = new();
    private readonly Channel<(byte[] Line, TaskCompletionSource Written)> _queue =
        Channel.CreateUnbounded<(byte[] Line, TaskCompletionSource Written)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writer;
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
        _file = Path.Combine(directory, "records.jsonl");
        _offsetFile = Path.Combine(directory, "records.offset");
        _maxBytes = options.Value.SpoolMaxBytes;
        _logger = logger;
        _files = files;
        // Serialize once now: the first record spooled during an outage should not pay for warming the serializer.
        _ = JsonSerializer.SerializeToUtf8Bytes(new SpoolEntry(SpoolEntry.Open, WarmUpRecord), SpoolJsonContext.Default.SpoolEntry);
        if (files.GetLength(_file) is { } size)
        {
            // A line the previous process did not finish (no newline) was never acknowledged: it is not replayed, and
            // the first write cuts it off.
            _length = EndOfLastLine(size);
            _replayed = ReadOffset();
        }
        else if (files.GetLength(_offsetFile) is not null)
        {
            // An offset without its data (left by a version that deleted them in the other order) would skip the start
            // of the next file.
            files.Delete(_offsetFile);
            files.SyncDirectory(directory);
        }

        _pendingRecords = CountLines(_replayed, _length);
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "record-spool" };
        _writer.Start();
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
    /// this process. A dedicated thread does the writing, so an fsync never blocks a thread-pool thread (the copy
    /// loops' timestamps depend on those), and entries queued together share one fsync.
    /// </summary>
    public Task AppendAsync(SpoolEntry entry)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((JsonSerializer.SerializeToUtf8Bytes(entry, SpoolJsonContext.Default.SpoolEntry), written)))
        {
            written.SetException(new ObjectDisposedException(nameof(RecordSpool)));
        }

        return written.Task;
    }

    private void WriteLoop()
    {
        var batch = new List<(byte[] Line, TaskCompletionSource Written)>();
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (_queue.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            var failure = Write(batch);
            foreach (var (_, written) in batch)
            {
                if (failure is null)
                {
                    written.TrySetResult();
                }
                else
                {
                    written.TrySetException(failure);
                }
            }

            batch.Clear();
        }
    }

    /// <summary>Writes and fsyncs one batch; returns why it failed, or null once every entry in it is durable.</summary>
    private Exception? Write(List<(byte[] Line, TaskCompletionSource Written)> batch)
    {
        // One write for the batch: a failure leaves at most one torn region, past the end the spool relies on.
        var bytes = new byte[batch.Sum(item => item.Line.Length + 1)];
        var at = 0;
        foreach (var (line, _) in batch)
        {
            line.CopyTo(bytes, at);
            at += line.Length;
            bytes[at++] = (byte)'\n';
        }

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
                WriteFailed(_logger, Directory, batch.Count, ex.Message);
                return ex;
            }

            Volatile.Write(ref _length, _length + bytes.Length);
            Interlocked.Add(ref _pendingRecords, batch.Count);
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
        if (end <= offset || _files.GetLength(_file) is null)
        {
            return 0;
        }

        // A round reads at most this much; the next round goes on from where it stopped.
        var chunk = new byte[(int)Math.Min(end - offset, MaxRoundBytes)];
        await using (var reader = _files.OpenRead(_file))
        {
            reader.Seek(offset, SeekOrigin.Begin);
            await reader.ReadExactlyAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        var applied = 0;
        var start = 0;
        for (var newline = Array.IndexOf(chunk, (byte)'\n'); newline >= 0 && !cancellationToken.IsCancellationRequested; newline = Array.IndexOf(chunk, (byte)'\n', start))
        {
            var entry = Parse(chunk.AsSpan(start, newline - start));
            if (entry is not null)
            {
                await apply(entry).ConfigureAwait(false);
                applied++;
                if (applied % OffsetSaveEvery == 0)
                {
                    SaveOffset(offset + newline + 1);
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
                _files.Delete(_offsetFile);
                _files.SyncDirectory(Directory);
                _files.Delete(_file);
                _alarmRaised = false;
                Volatile.Write(ref _pendingRecords, 0);
                Volatile.Write(ref _length, 0);
                Volatile.Write(ref _replayed, 0);
                _files.SyncDirectory(Directory);
            }
            else
            {
                SaveOffset(offset);
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
        var file = _files.OpenAppend(_file);
        try
        {
            var length = file.Length;
            if (length < _length)
            {
                // Not this process's doing (the file was cut or replaced under it): go on from what is there.
                SpoolShrunk(_logger, Directory, length, _length);
                Volatile.Write(ref _length, EndOfLastLine(length));
                Volatile.Write(ref _replayed, Math.Min(_replayed, _length));
                Volatile.Write(ref _pendingRecords, CountLines(_replayed, _length));
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
        _queue.Writer.TryComplete();
        _writer.Join(TimeSpan.FromSeconds(10));
        lock (_gate)
        {
            CloseAppend();
        }
    }

    private SpoolEntry? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, SpoolJsonContext.Default.SpoolEntry);
        }
        catch (JsonException ex)
        {
            CorruptLine(_logger, Directory, Encoding.UTF8.GetString(line), ex);
            return null;
        }
    }

    private long CountLines(long from, long to)
    {
        if (to <= from)
        {
            return 0;
        }

        using var stream = _files.OpenRead(_file);
        stream.Seek(from, SeekOrigin.Begin);
        var buffer = new byte[64 * 1024];
        long lines = 0;
        for (var left = to - from; left > 0;)
        {
            var read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                break;
            }

            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            left -= read;
        }

        return lines;
    }

    /// <summary>Where the last complete line of the file's first <paramref name="size"/> bytes ends (0: none).</summary>
    private long EndOfLastLine(long size)
    {
        using var stream = _files.OpenRead(_file);
        var buffer = new byte[ScanBytes];
        for (var end = size; end > 0;)
        {
            var start = Math.Max(0, end - buffer.Length);
            var count = (int)(end - start);
            stream.Seek(start, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, count);
            var newline = buffer.AsSpan(0, count).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                return start + newline + 1;
            }

            end = start;
        }

        return 0;
    }

    /// <summary>The saved offset when it is a line start within the file; else 0 (everything is replayed again, which
    /// is harmless, where a wrong offset could skip records).</summary>
    private long ReadOffset()
    {
        if (_files.GetLength(_offsetFile) is null)
        {
            return 0;
        }

        string text;
        using (var reader = new StreamReader(_files.OpenRead(_offsetFile), Encoding.ASCII))
        {
            text = reader.ReadToEnd();
        }

        if (long.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var offset) && offset >= 0 && offset <= _length && IsLineStart(offset))
        {
            return offset;
        }

        OffsetDiscarded(_logger, Directory, text, _length);
        return 0;
    }

    private bool IsLineStart(long offset)
    {
        if (offset == 0)
        {
            return true;
        }

        using var stream = _files.OpenRead(_file);
        stream.Seek(offset - 1, SeekOrigin.Begin);
        return stream.ReadByte() == '\n';
    }

    private void SaveOffset(long offset)
    {
        var temporary = _offsetFile + ".tmp";
        _files.WriteDurably(temporary, Encoding.ASCII.GetBytes(offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _files.Move(temporary, _offsetFile);
        _files.SyncDirectory(Directory);
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
