namespace Proxy.Customers;

/// <summary>A span during which one of the customer's own Deepgram keys was its key; <see cref="ToMs"/> is null while
/// it still is.</summary>
internal readonly record struct DeepgramKeyPeriod(string DeepgramKeyId, long FromMs, long? ToMs);

/// <summary>A provisioned key that stopped being the customer's at <see cref="RetiredAtMs"/> and still exists at
/// Deepgram.</summary>
internal readonly record struct RetiringDeepgramKey(string DeepgramKeyId, long RetiredAtMs);
