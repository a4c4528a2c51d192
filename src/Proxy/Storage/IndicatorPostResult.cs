using Proxy.Metering;

namespace Proxy.Storage;

/// <summary>What posting an outcome indicator did.</summary>
internal enum IndicatorPostStatus
{
    /// <summary>Recorded now, its fee added once (201).</summary>
    Created,

    /// <summary>The same name and value were recorded before: nothing changed (200).</summary>
    Repeated,

    /// <summary>The name was recorded before with another value: nothing changed (409 <c>indicator_conflict</c>).</summary>
    Conflict,

    /// <summary>No such session for that customer (404).</summary>
    NotFound,
}

/// <param name="Status">What happened.</param>
/// <param name="SessionId">The session posted for (null when none was found).</param>
/// <param name="Indicator">The indicator as stored (the earlier one for <see cref="IndicatorPostStatus.Repeated"/> and
/// <see cref="IndicatorPostStatus.Conflict"/>).</param>
/// <param name="RecordVersion">The record's version after the post; null while the session is open (its record has
/// no version until it is final).</param>
internal sealed record IndicatorPostResult(IndicatorPostStatus Status, string? SessionId = null, IndicatorOutcome? Indicator = null, long? RecordVersion = null);
