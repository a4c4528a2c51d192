namespace Proxy.Storage;

/// <summary>The records stream after a trim (or a look): its length, how many consumer groups read it, the age of the
/// oldest entry one of them still has to be delivered or to acknowledge, and what this pass trimmed.</summary>
internal sealed record RecordStreamState(long Length, int Groups, TimeSpan OldestUnreadAge, long TrimmedDelivered, long TrimmedByCap)
{
    /// <summary>Entries the cap trimmed that some group had not been delivered or had not acknowledged: with no group,
    /// nobody is known to be behind, so none.</summary>
    public long TrimmedUnread => Groups > 0 ? TrimmedByCap : 0;
}
