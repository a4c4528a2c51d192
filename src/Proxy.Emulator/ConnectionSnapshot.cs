namespace Proxy.Emulator;

/// <summary>A connection record as served by <c>/emulator/v1/connections</c> (snake_case JSON).</summary>
internal sealed record ConnectionSnapshot
{
    public required string RequestId { get; init; }

    /// <summary>The client's TCP port (<c>remote_port</c>), to find the connection in a packet capture.</summary>
    public required int RemotePort { get; init; }
    public required string Path { get; init; }
    public required string Query { get; init; }
    public required string AuthMethod { get; init; }
    public required string ApiKeySha256 { get; init; }

    /// <summary>The id of the key that authenticated (the minting key's for an access token): the requests list's
    /// <c>api_key_id</c> and <c>accessor</c>.</summary>
    public required string ApiKeyId { get; init; }

    /// <summary>A <see cref="Credentials"/> value.</summary>
    public required string Credential { get; init; }
    public required IReadOnlyList<string> RequestedProtocols { get; init; }
    public required IReadOnlyDictionary<string, string> RequestHeaders { get; init; }
    public required long OpenedAtMs { get; init; }
    public required long? ClosedAtMs { get; init; }
    public required double? DurationMs { get; init; }
    public required int? CloseStatus { get; init; }
    public required string CloseInitiator { get; init; }
    public required string? EndReason { get; init; }
    public required int? ClientCloseStatus { get; init; }
    public required long MessagesReceived { get; init; }
    public required long MessagesSent { get; init; }
    public required long BinaryBytesReceived { get; init; }
    public required string? Settings { get; init; }
    public required string State { get; init; }
}
