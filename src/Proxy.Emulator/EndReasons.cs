namespace Proxy.Emulator;

/// <summary>The <c>end_reason</c> values: why a connection ended, finer than <see cref="CloseInitiators"/>.</summary>
internal static class EndReasons
{
    public const string ClientClose = "client_close";
    public const string ClientDisconnect = "client_disconnect";
    public const string EmulatorClose = "emulator_close";
    public const string EmulatorAbort = "emulator_abort";
    public const string ClientMessageTimeout = "client_message_timeout";
    public const string MessageTooBig = "message_too_big";
    public const string ServerShutdown = "server_shutdown";

    /// <summary>The emulator sent Close but the client never answered within CloseHandshakeTimeout.</summary>
    public const string CloseHandshakeTimeout = "close_handshake_timeout";

    /// <summary>The session failed with an unexpected exception (a bug; see the log).</summary>
    public const string SessionError = "session_error";
}
