using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Proxy.Tunnel;

/// <summary>
/// The upstream socket's stream, below TLS, that can read the few segments carrying the upgrade's answer with the
/// kernel's own receive time (<c>SO_TIMESTAMPNS</c>, read with <c>recvmsg</c>). The proxy stamps the open instant
/// when its code gets to read the 101; when ten handshakes compete for two cores that is milliseconds after the
/// segment arrived, and Deepgram bills from its side of the wire. Armed after the TLS handshake (whose reads are not
/// the answer) and disarmed once the answer has been seen; every other read is the socket's ordinary one. Where the
/// kernel gives nothing (not Linux, not 64-bit, the option refused) reads stay ordinary and the stamp stays the
/// user-space one.
/// </summary>
internal sealed class KernelStampedSocketStream : NetworkStream
{
    private const int SolSocket = 1;
    private const int SoTimestampNs = 35;
    private const int ScmTimestampNs = SoTimestampNs;
    private const int MsgDontWait = 0x40;
    private const int EAgain = 11;
    private const int EIntr = 4;
    private const int ControlBytes = 64;

    /// <summary>A stamped read never asks the kernel for more than this (the answer's head is far smaller).</summary>
    private const int MaxStampedRead = 16 * 1024;

    // The kernel turns receive timestamps on for the whole machine only once some socket asks, and then through a
    // deferred work item: a session that is the only one asking would often see its 101 arrive unstamped. A socket
    // that asks for the process's lifetime keeps them on.
    private static readonly Lazy<Socket?> StampingKeeper = new(KeepKernelStampingOn);

    private readonly Socket _socket;
    private volatile bool _armed;
    private long _lastArrivalUnixNs;

    private KernelStampedSocketStream(Socket socket, bool stamps)
        : base(socket, ownsSocket: true)
    {
        _socket = socket;
        Stamps = stamps;
    }

    /// <summary>Whether the kernel stamps this socket's segments.</summary>
    public bool Stamps { get; }

    /// <summary>The kernel's receive time of the newest segment the last stamped read consumed, in Unix
    /// nanoseconds (CLOCK_REALTIME); 0 when none was stamped.</summary>
    public long LastArrivalUnixNs => Interlocked.Read(ref _lastArrivalUnixNs);

    /// <summary>Turns the kernel's receive timestamps on for <paramref name="socket"/> where it can (and where
    /// <paramref name="wanted"/>: off, every read is the socket's ordinary one).</summary>
    public static KernelStampedSocketStream Create(Socket socket, bool wanted = true)
    {
        var stamps = false;
        if (wanted && StampingKeeper.Value is not null)
        {
            try
            {
                socket.SetRawSocketOption(SolSocket, SoTimestampNs, BitConverter.GetBytes(1));
                stamps = true;
            }
            catch (SocketException)
            {
                // The kernel refuses: user-space stamps it is.
            }
        }

        return new KernelStampedSocketStream(socket, stamps);
    }

    /// <summary>Asks the kernel to stamp received segments from now on (see <see cref="StampingKeeper"/>); false
    /// where it cannot (not Linux, not 64-bit, refused).</summary>
    public static bool KeepStampingOn() => StampingKeeper.Value is not null;

    private static Socket? KeepKernelStampingOn()
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8)
        {
            return null;
        }

        var keeper = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            keeper.SetRawSocketOption(SolSocket, SoTimestampNs, BitConverter.GetBytes(1));
            return keeper;
        }
        catch (SocketException)
        {
            keeper.Dispose();
            return null;
        }
    }

    /// <summary>From now on reads carry the kernel's receive time, until <see cref="Disarm"/>.</summary>
    public void Arm() => _armed = Stamps;

    public void Disarm() => _armed = false;

    /// <summary>Stamps reads again from now on, forgetting earlier stamps: what arrives next answers a Close.</summary>
    public void ArmForEnd()
    {
        Interlocked.Exchange(ref _lastArrivalUnixNs, 0);
        _armed = Stamps;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _armed && !buffer.IsEmpty ? ReadStampedAsync(buffer, cancellationToken) : base.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private async ValueTask<int> ReadStampedAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var length = Math.Min(buffer.Length, MaxStampedRead);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            while (true)
            {
                // A zero-byte receive completes when data is there without taking any: the bytes and their stamp
                // then come from one recvmsg that cannot block.
                await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                var read = ReceiveWithTimestamp(rented, length, out var arrivalUnixNs);
                if (read < 0)
                {
                    continue;
                }

                if (arrivalUnixNs > 0)
                {
                    Interlocked.Exchange(ref _lastArrivalUnixNs, arrivalUnixNs);
                }

                rented.AsSpan(0, read).CopyTo(buffer.Span);
                return read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>One non-blocking recvmsg: the bytes read (0 at the end of the stream), or -1 when nothing was there
    /// after all (read again once readable). The timestamp is the newest segment's among those read; and a segment that
    /// arrives behind an unread one is usually merged into it, taking its time, so a read that comes late (the 101
    /// with the Welcome behind it) carries the later arrival – a one-byte peek first would not recover the earlier.</summary>
    private int ReceiveWithTimestamp(byte[] destination, int length, out long arrivalUnixNs)
    {
        arrivalUnixNs = 0;
        var data = Marshal.AllocHGlobal(length);
        var control = Marshal.AllocHGlobal(ControlBytes);
        var vector = Marshal.AllocHGlobal(Marshal.SizeOf<IoVector>());
        try
        {
            Marshal.StructureToPtr(new IoVector { Base = data, Length = (nuint)length }, vector, fDeleteOld: false);
            var header = new MessageHeader { Iov = vector, IovLength = 1, Control = control, ControlLength = ControlBytes };
            var fd = (int)_socket.Handle;
            nint read;
            do
            {
                read = Posix.ReceiveMessage(fd, ref header, MsgDontWait);
            }
            while (read < 0 && Marshal.GetLastPInvokeError() == EIntr);

            if (read < 0)
            {
                var error = Marshal.GetLastPInvokeError();
                return error == EAgain ? -1 : throw new IOException($"recvmsg on the upstream socket failed (errno {error}).", new SocketException(error));
            }

            Marshal.Copy(data, destination, 0, (int)read);
            arrivalUnixNs = TimestampIn(control, (int)header.ControlLength);
            return (int)read;
        }
        finally
        {
            Marshal.FreeHGlobal(vector);
            Marshal.FreeHGlobal(control);
            Marshal.FreeHGlobal(data);
        }
    }

    // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } followed (8-aligned) by the data, here a
    // struct timespec { long tv_sec; long tv_nsec; } in CLOCK_REALTIME.
    private static long TimestampIn(IntPtr control, int controlLength)
    {
        var offset = 0;
        while (offset + 16 <= controlLength)
        {
            var cmsgLength = (int)Marshal.ReadInt64(control, offset);
            var level = Marshal.ReadInt32(control, offset + 8);
            var type = Marshal.ReadInt32(control, offset + 12);
            if (cmsgLength < 16)
            {
                return 0;
            }

            if (level == SolSocket && type == ScmTimestampNs && cmsgLength >= 32)
            {
                var seconds = Marshal.ReadInt64(control, offset + 16);
                var nanoseconds = Marshal.ReadInt64(control, offset + 24);
                return (seconds * 1_000_000_000) + nanoseconds;
            }

            offset += (cmsgLength + 7) & ~7;
        }

        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public IntPtr Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MessageHeader
    {
        public IntPtr Name;
        public uint NameLength;
        public IntPtr Iov;
        public nuint IovLength;
        public IntPtr Control;
        public nuint ControlLength;
        public int Flags;
    }

    // DllImport rather than LibraryImport: the generated marshalling would need the whole project to allow unsafe code.
    private static class Posix
    {
        [DllImport("libc", EntryPoint = "recvmsg", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern nint ReceiveMessage(int descriptor, ref MessageHeader message, int flags);
    }
}
