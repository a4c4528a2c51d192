using System.Numerics;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// HDR-style histogram of microsecond values: exact below 2,048 µs, then 1,024 linear sub-buckets per power of two
/// (under 0.1 % relative error) up to about 2.4 hours. Recording is one interlocked increment, so every receive loop
/// records into the same instance without a lock.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 11;
    private const int SubBucketCount = 1 << SubBucketBits;
    private const int HalfSubBucketCount = SubBucketCount / 2;
    private const int Magnitudes = 22;
    private const long MaxTrackable = ((long)SubBucketCount << Magnitudes) - 1;

    private readonly long[] _counts = new long[SubBucketCount + (Magnitudes * HalfSubBucketCount)];
    private long _total;
    private long _max;

    public long Count => Volatile.Read(ref _total);

    public long Max => Volatile.Read(ref _max);

    public void Record(long microseconds)
    {
        var value = Math.Clamp(microseconds, 0, MaxTrackable);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _total);
        var max = Volatile.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>The smallest bucket bound under which <paramref name="percentile"/> % of the values lie (HDR's
    /// "highest equivalent value": never below the true percentile).</summary>
    public long ValueAtPercentile(double percentile)
    {
        var total = Count;
        if (total == 0)
        {
            return 0;
        }

        var wanted = Math.Max(1, (long)Math.Ceiling(total * percentile / 100.0));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= wanted)
            {
                return Math.Min(HighestValueAt(i), Max);
            }
        }

        return Max;
    }

    private static int IndexOf(long value)
    {
        if (value < SubBucketCount)
        {
            return (int)value;
        }

        // Magnitude m ≥ 1 keeps the top SubBucketBits bits of the value: sub-bucket in [Half, Count).
        var magnitude = (63 - BitOperations.LeadingZeroCount((ulong)value)) - (SubBucketBits - 1);
        var subBucket = (int)(value >> magnitude);
        return SubBucketCount + ((magnitude - 1) * HalfSubBucketCount) + (subBucket - HalfSubBucketCount);
    }

    private static long HighestValueAt(int index)
    {
        if (index < SubBucketCount)
        {
            return index;
        }

        var offset = index - SubBucketCount;
        var magnitude = (offset / HalfSubBucketCount) + 1;
        var subBucket = (long)((offset % HalfSubBucketCount) + HalfSubBucketCount);
        return ((subBucket + 1) << magnitude) - 1;
    }
}
