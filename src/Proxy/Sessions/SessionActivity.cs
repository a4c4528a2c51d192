namespace Proxy.Sessions;

/// <summary>
/// When each kind of traffic was last seen (monotonic timestamps). The copy loops write one field per frame and
/// nothing else; the supervisor reads them on its sweep and applies the idle mode in force at that moment, so a
/// mode changed by an admin applies to traffic already seen.
/// </summary>
internal sealed class SessionActivity
{
    private readonly long[] _last = new long[Enum.GetValues<ActivityKind>().Length];

    public SessionActivity(long start)
    {
        Array.Fill(_last, start);
    }

    public void Reset(long timestamp)
    {
        for (var i = 0; i < _last.Length; i++)
        {
            Volatile.Write(ref _last[i], timestamp);
        }
    }

    public void Touch(ActivityKind kind, long timestamp) => Volatile.Write(ref _last[(int)kind], timestamp);

    public long Last(ActivityKind kind) => Volatile.Read(ref _last[(int)kind]);

    /// <summary>The last instant anything at all went through the tunnel, either way.</summary>
    public long LastAny()
    {
        var last = Volatile.Read(ref _last[0]);
        for (var i = 1; i < _last.Length; i++)
        {
            last = Math.Max(last, Volatile.Read(ref _last[i]));
        }

        return last;
    }

    /// <summary>The last instant that counts as activity under these rules.</summary>
    public long LastCounted(IdleMode mode, bool keepAliveIsActivity, bool pingIsActivity)
    {
        var last = Last(ActivityKind.ClientAudio);
        if (mode != IdleMode.Audio)
        {
            last = Math.Max(last, Last(ActivityKind.ClientMessage));
        }

        if (mode == IdleMode.Any)
        {
            last = Math.Max(last, Last(ActivityKind.UpstreamData));
            if (pingIsActivity)
            {
                last = Math.Max(last, Last(ActivityKind.UpstreamPing));
            }
        }

        if (keepAliveIsActivity)
        {
            last = Math.Max(last, Last(ActivityKind.ClientKeepAlive));
        }

        if (pingIsActivity)
        {
            last = Math.Max(last, Last(ActivityKind.ClientPing));
        }

        return last;
    }
}
