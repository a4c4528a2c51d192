namespace Proxy.Sessions;

/// <summary>What counts as activity for the idle timeout.</summary>
internal enum IdleMode
{
    /// <summary>Only the client's audio (binary frames): a session where nobody speaks is idle.</summary>
    Audio,

    /// <summary>Any client data message except KeepAlive (the default): a client that only keeps the socket alive
    /// is idle.</summary>
    Messages,

    /// <summary>Any data message in either direction (KeepAlive excepted): idle only when nobody says anything.</summary>
    Any,
}
