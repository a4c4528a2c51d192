using System.Text.Json;

namespace Proxy.FunctionalTests.Infrastructure;

/// <summary>A JSON message a test client received, and when (since it started listening).</summary>
internal sealed record ReceivedMessage(TimeSpan At, string Type, string? Code, JsonElement Json);
