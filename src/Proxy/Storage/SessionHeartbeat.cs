namespace Proxy.Storage;

/// <summary>What a live session reports about itself at each heartbeat.</summary>
internal readonly record struct SessionHeartbeat(
    string SessionId, long LastSeenMs, long LastActivityMs, long FramesIn, long FramesOut, long BytesIn, long BytesOut, string? DeepgramRequestId);
