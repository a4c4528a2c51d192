namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>What a test client saw until the server closed the session, or until it stopped waiting.</summary>
internal sealed record ReceivedSession(IReadOnlyList<ReceivedMessage> Messages, bool Closed, TimeSpan ClosedAt)
{
    public ReceivedMessage? First(string type, string? code = null) =>
        Messages.FirstOrDefault(m => m.Type == type && (code is null || m.Code == code));
}
