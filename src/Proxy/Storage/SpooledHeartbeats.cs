using System.Text.Json;

namespace Proxy.Storage;

/// <summary>
/// The last heartbeat of each live session, kept beside the spool while Redis cannot take heartbeats. Without it, a
/// session admitted during an outage whose instance then dies is known to Redis only by its spooled open record: the
/// reaper would close it at its open instant and without its Deepgram request id. With it, whoever replays the spool
/// also gives those records their last sign of life, as a heartbeat would have. One small file, replaced whole at each
/// beat (temp file, fsync, rename), so an outage of any length costs the size of one beat.
/// </summary>
internal sealed class SpooledHeartbeats : IDisposable
{
    private const string FileName = "heartbeats.json";

    private readonly string _file;
    private readonly string _directory;
    private readonly ISpoolFileSystem _files;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // Beats found on disk at start: a previous process's sessions, kept in every rewrite until Redis has them.
    private Dictionary<string, List<SessionHeartbeat>> _inherited;

    public SpooledHeartbeats(RecordSpool spool)
        : this(spool.Directory, SpoolFileSystem.Instance)
    {
    }

    internal SpooledHeartbeats(string directory, ISpoolFileSystem files)
    {
        _directory = directory;
        _file = Path.Combine(directory, FileName);
        _files = files;
        _inherited = Read();
    }

    /// <summary>Whether there are beats Redis has not seen.</summary>
    public bool HasPending => _files.GetLength(_file) is not null;

    /// <summary>Replaces the file with these beats (customer id → its sessions' beats) and the inherited ones.</summary>
    public async Task SaveAsync(IReadOnlyDictionary<string, List<SessionHeartbeat>> beats)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var all = new Dictionary<string, List<SessionHeartbeat>>(_inherited);
            foreach (var (customerId, sessions) in beats)
            {
                all[customerId] = all.TryGetValue(customerId, out var earlier) ? [.. earlier.Where(e => !sessions.Any(s => s.SessionId == e.SessionId)), .. sessions] : sessions;
            }

            if (all.Values.All(sessions => sessions.Count == 0))
            {
                // Nothing alive to remember (a session that ended has its final record spooled, which a beat cannot
                // change): no file, no write per beat on an idle instance during an outage.
                return;
            }

            var temporary = _file + ".tmp";
            _files.WriteDurably(temporary, JsonSerializer.SerializeToUtf8Bytes(all, StorageJsonContext.Default.DictionaryStringListSessionHeartbeat));
            _files.Move(temporary, _file);
            _files.SyncDirectory(_directory);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Gives the beats to Redis (records still open take those newer than what they have), then forgets
    /// them. Call once the spool is replayed: the open records they refresh must be there first.</summary>
    public async Task ApplyAsync(SessionRecordStore records)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var beats = Read();
            await Task.WhenAll(beats.Where(b => b.Value.Count > 0).Select(b => records.HeartbeatAsync(b.Key, b.Value))).ConfigureAwait(false);
            _files.Delete(_file);
            _files.SyncDirectory(_directory);
            _inherited = [];
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private Dictionary<string, List<SessionHeartbeat>> Read()
    {
        try
        {
            using var stream = _files.OpenRead(_file);
            return JsonSerializer.Deserialize(stream, StorageJsonContext.Default.DictionaryStringListSessionHeartbeat) ?? [];
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (JsonException)
        {
            // Torn by a crash mid-rename cannot happen (the rename is atomic); a damaged file is worth less than
            // starting: the reaper still finalizes those sessions, from their open records.
            return [];
        }
    }
}
