using Proxy.Metering;

namespace Proxy.Storage;

/// <summary>One line of the spool: a record write that Redis could not take when it happened.</summary>
internal sealed record SpoolEntry(string Op, SessionRecord Record)
{
    public const string Open = "open";
    public const string Final = "final";
}
