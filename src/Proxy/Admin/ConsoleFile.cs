namespace Proxy.Admin;

/// <summary>One static file of the admin console, ready to send: its bytes, its media type and a strong ETag of the
/// bytes.</summary>
internal sealed record ConsoleFile(string Path, ReadOnlyMemory<byte> Content, string ContentType, string ETag);
