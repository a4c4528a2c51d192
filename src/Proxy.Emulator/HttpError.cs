namespace Proxy.Emulator;

/// <summary>Deepgram's JSON error body for refused HTTP requests.</summary>
internal sealed record HttpError(string ErrCode, string ErrMsg);
