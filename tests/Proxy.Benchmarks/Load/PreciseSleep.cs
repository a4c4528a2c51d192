using System.Runtime.InteropServices;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// Sub-millisecond sleeps. <see cref="Thread.Sleep(TimeSpan)"/> rounds to whole milliseconds, which would make the
/// sender loops either burst a millisecond of frames at once or spin; nanosleep wakes within the kernel's timer slack
/// (about 50 µs).
/// </summary>
internal static partial class PreciseSleep
{
    public static void For(long nanoseconds)
    {
        if (nanoseconds <= 0)
        {
            return;
        }

        var request = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };

        // An interrupted sleep (EINTR) just returns early; the caller re-reads the clock and sleeps again if needed.
        _ = NanoSleep(in request, IntPtr.Zero);
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int NanoSleep(in TimeSpec request, IntPtr remaining);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
