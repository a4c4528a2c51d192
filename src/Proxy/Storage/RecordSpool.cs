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

    private readonly string _file;
    private readonly string _offsetFile;
    private readonly long _maxBytes;
    private readonly ILogger<RecordSpool> _logger;
    private readonly Lock _gate = new();
    private readonly Channel<(byte[] Line, TaskCompletionSource Written)> _queue =
        Channel.CreateUnbounded<(byte[] Line, TaskCompletionSource Written)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writer;
    private FileStream? _append;
    private bool _alarmRaised;

    // The file's length and how much of it has been replayed, as of the last write or replay.
    private long _length;
    private long _replayed;
    private long _pendingRecords;

    public RecordSpool(IOptions<StorageOptions> options, ILogger<RecordSpool> logger)
    {
        var directory = options.Value.SpoolPath();
        System.IO.Directory.CreateDirectory(directory);
        Directory = directory;
        _file = Path.Combine(directory, "records.jsonl");
        _offsetFile = Path.Combine(directory, "records.offset");
        _maxBytes = options.Value.SpoolMaxBytes;
        _logger = logger;
        // Serialize once now: the first record spooled during an outage should not pay for warming the serializer.
        _ = JsonSerializer.SerializeToUtf8Bytes(new SpoolEntry(SpoolEntry.Open, WarmUpRecord), SpoolJsonContext.Default.SpoolEntry);
        _length = File.Exists(_file) ? new FileInfo(_file).Length : 0;
        _replayed = Math.Min(ReadOffset(), _length);
        _pendingRecords = CountLines(_file, _replayed, _length);
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

            try
            {
                lock (_gate)
                {
                    _append ??= OpenForAppend();
                    foreach (var (line, _) in batch)
                    {
                        _append.Write(line);
                        _append.WriteByte((byte)'\n');
                    }

                    _append.Flush(flushToDisk: true);
                    Volatile.Write(ref _length, _append.Length);
                    Interlocked.Add(ref _pendingRecords, batch.Count);
                    var pending = PendingBytes;
                    if (pending >= _maxBytes && !_alarmRaised)
                    {
                        _alarmRaised = true;
                        SpoolFull(_logger, Directory, pending, _maxBytes);
                    }
                }

                foreach (var (_, written) in batch)
                {
                    written.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                foreach (var (_, written) in batch)
                {
                    written.TrySetException(ex);
                }
            }

            batch.Clear();
        }
    }

    /// <summary>
    /// Applies every pending entry in order. Stops at the first failure (Redis went away again), keeping its place.
    /// Returns how many entries were applied.
    /// </summary>
    public async Task<int> ReplayAsync(Func<SpoolEntry, Task> apply, CancellationToken cancellationToken)
    {
        var offset = Volatile.Read(ref _replayed);
        var end = Volatile.Read(ref _length);
        if (end <= offset || !File.Exists(_file))
        {
            return 0;
        }

        // A round reads at most this much; the next round goes on from where it stopped.
        var chunk = new byte[(int)Math.Min(end - offset, MaxRoundBytes)];
        await using (var reader = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
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

        // Bytes after the last newline are a line still being written, or one cut by a crash mid-append (never
        // acknowledged, so no record anyone relies on): they wait for the next round.
        offset += start;

        lock (_gate)
        {
            if (offset >= _length)
            {
                // Everything replayed and nothing appended meanwhile: start afresh.
                _append?.Dispose();
                _append = null;
                File.Delete(_file);
                File.Delete(_offsetFile);
                _alarmRaised = false;
                Volatile.Write(ref _pendingRecords, 0);
                Volatile.Write(ref _length, 0);
                Volatile.Write(ref _replayed, 0);
            }
            else
            {
                SaveOffset(offset);
                Volatile.Write(ref _replayed, offset);
            }
        }

        return applied;
    }

    private FileStream OpenForAppend()
    {
        // A previous process may have died in the middle of a line: end it, so it stays one unreadable line (never
        // acknowledged) instead of swallowing the next record.
        var endsCleanly = true;
        if (File.Exists(_file) && new FileInfo(_file).Length > 0)
        {
            using var tail = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            tail.Seek(-1, SeekOrigin.End);
            endsCleanly = tail.ReadByte() == '\n';
        }

        var stream = new FileStream(_file, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (!endsCleanly)
        {
            stream.WriteByte((byte)'\n');
        }

        return stream;
    }

    public void Dispose()
    {
        // Entries already queued are still written before the file is closed.
        _queue.Writer.TryComplete();
        _writer.Join(TimeSpan.FromSeconds(10));
        lock (_gate)
        {
            _append?.Dispose();
            _append = null;
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

    private static long CountLines(string file, long from, long to)
    {
        if (to <= from)
        {
            return 0;
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
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

    private long ReadOffset() =>
        File.Exists(_offsetFile) && long.TryParse(File.ReadAllText(_offsetFile), out var offset) ? offset : 0;

    private void SaveOffset(long offset)
    {
        var temporary = _offsetFile + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(Encoding.ASCII.GetBytes(offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, _offsetFile, overwrite: true);
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Critical, Message = "Record spool in {Directory} holds {PendingBytes} bytes, over its bound of {MaxBytes}: new sessions are refused until Redis takes the records")]
    private static partial void SpoolFull(ILogger logger, string directory, long pendingBytes, long maxBytes);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Record spool in {Directory} has an unreadable line, skipped: {Line}")]
    private static partial void CorruptLine(ILogger logger, string directory, string line, Exception exception);
}
