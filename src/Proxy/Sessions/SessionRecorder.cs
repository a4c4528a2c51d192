using System.Collections.Concurrent;
using System.Text.Json;
using Proxy.Metering;
using Proxy.Storage;

namespace Proxy.Sessions;

/// <summary>Turns a session's life into its records: the open record when the upstream accepts, the final one when
/// the tunnel is gone, with their log lines.</summary>
internal sealed class SessionRecorder
{
    private readonly RecordWriter _store;
    private readonly ILogger<SessionRecorder> _logger;

    // The open record's write per session, awaited before the final one so the two land in order.
    private readonly ConcurrentDictionary<string, Task> _openWrites = new(StringComparer.Ordinal);

    public SessionRecorder(RecordWriter store, ILogger<SessionRecorder> logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>Starts writing the open record without holding up the tunnel.</summary>
    public void RecordOpened(AgentSession session)
    {
        var record = session.ToOpenRecord();
        var id = session.Identity;
        SessionLog.SessionStarted(_logger, id.SessionId, id.CustomerId, id.KeyId, id.ClientSessionId, id.InstanceId);
        _openWrites[id.SessionId] = WriteOpenAsync(record);
    }

    public async Task<SessionRecord> RecordFinalAsync(AgentSession session)
    {
        if (_openWrites.TryRemove(session.SessionId, out var open))
        {
            await open.ConfigureAwait(false);
        }

        var record = session.ToFinalRecord();
        SessionLog.SessionEnded(_logger, record);
        if (session.InspectionFailure is { } failure)
        {
            SessionLog.InspectionFailed(_logger, record.SessionId, failure);
        }

        try
        {
            await _store.FinalizeAsync(record).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SessionLog.FinalRecordWriteFailed(_logger, record.SessionId, JsonSerializer.Serialize(record, MeteringJsonContext.Default.SessionRecord), ex);
        }

        return record;
    }

    private async Task WriteOpenAsync(SessionRecord record)
    {
        try
        {
            await _store.WriteOpenAsync(record).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            SessionLog.OpenRecordWriteFailed(_logger, record.SessionId, ex);
        }
    }
}
