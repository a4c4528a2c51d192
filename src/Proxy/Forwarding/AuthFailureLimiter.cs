using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Options;

namespace Proxy.Forwarding;

/// <summary>
/// Counts failed key checks per client IP in fixed one-minute windows. Past the limit the IP is refused with 429
/// before its key is even looked at, which makes guessing keys from one address pointless (and cheap to refuse).
/// </summary>
internal sealed class AuthFailureLimiter
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<IPAddress, Counter> _counters = new();
    private readonly TimeProvider _time;
    private readonly int _limit;
    private long _lastSweep;

    public AuthFailureLimiter(IOptions<LimitsOptions> options, TimeProvider time)
    {
        _time = time;
        _limit = options.Value.AuthFailuresPerMinute;
        _lastSweep = time.GetTimestamp();
    }

    /// <summary>Whether this address is over its limit now; <paramref name="retryAfter"/> is when it is not.</summary>
    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (address is null || !_counters.TryGetValue(address, out var counter))
        {
            return false;
        }

        lock (counter)
        {
            var age = _time.GetElapsedTime(counter.WindowStart);
            if (age >= Window || counter.Failures < _limit)
            {
                return false;
            }

            retryAfter = Window - age;
            return true;
        }
    }

    public void RecordFailure(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        var now = _time.GetTimestamp();
        var counter = _counters.GetOrAdd(address, _ => new Counter(now));
        lock (counter)
        {
            if (_time.GetElapsedTime(counter.WindowStart, now) >= Window)
            {
                counter.WindowStart = now;
                counter.Failures = 0;
            }

            counter.Failures++;
        }

        SweepIfDue(now);
    }

    // Forget addresses whose window is over, at most once a minute, so the table cannot grow without bound.
    private void SweepIfDue(long now)
    {
        var last = Volatile.Read(ref _lastSweep);
        if (_time.GetElapsedTime(last, now) < Window || Interlocked.CompareExchange(ref _lastSweep, now, last) != last)
        {
            return;
        }

        foreach (var (address, counter) in _counters)
        {
            if (_time.GetElapsedTime(counter.WindowStart, now) >= Window)
            {
                _counters.TryRemove(new KeyValuePair<IPAddress, Counter>(address, counter));
            }
        }
    }

    private sealed class Counter(long windowStart)
    {
        public long WindowStart { get; set; } = windowStart;

        public int Failures { get; set; }
    }
}
