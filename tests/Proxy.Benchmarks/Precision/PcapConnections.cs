using System.Buffers.Binary;
using System.Text;

namespace Proxy.Benchmarks.Precision;

/// <summary>
/// Reads a nanosecond pcap file of loopback traffic (tcpdump <c>--time-stamp-precision=nano -w</c>) and finds every
/// upstream connection's wire open and wire close.
/// <para>Plain (ws://): the open is the upstream's first segment whose payload starts with <c>HTTP/1.1 101</c>.</para>
/// <para>TLS: the 101 is encrypted. The emulator is held to TLS 1.2, where the server sends no application data
/// before its answer to the request, so the open is the upstream's first segment carrying a TLS application-data
/// record (content type 23) – the record that holds the 101.</para>
/// </summary>
internal static class PcapConnections
{
    private const uint NanosecondMagic = 0xA1B23C4D;
    private const uint MicrosecondMagic = 0xA1B2C3D4;
    private const int LinkTypeEthernet = 1;
    private const byte TlsApplicationData = 23;
    private static readonly byte[] SwitchingProtocols = Encoding.ASCII.GetBytes("HTTP/1.1 101");

    public static List<WireConnection> Read(string path, int upstreamPort, bool tls)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 24)
        {
            return [];
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        var nanoseconds = magic == NanosecondMagic || (magic != MicrosecondMagic
            ? throw new InvalidDataException($"{path}: not a little-endian pcap file (magic {magic:X8})")
            : false);
        var linkType = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20));
        if (linkType != LinkTypeEthernet)
        {
            throw new InvalidDataException($"{path}: link type {linkType}, expected Ethernet (loopback)");
        }

        var open = new Dictionary<int, WireConnection>();
        var all = new List<WireConnection>();
        var offset = 24;
        while (offset + 16 <= bytes.Length)
        {
            var header = bytes.AsSpan(offset, 16);
            var seconds = BinaryPrimitives.ReadUInt32LittleEndian(header);
            var fraction = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
            var captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            var atNs = seconds * 1_000_000_000L + (nanoseconds ? fraction : fraction * 1000L);
            offset += 16;
            if (offset + captured > bytes.Length)
            {
                break;
            }

            Segment(bytes.AsSpan(offset, captured), atNs, upstreamPort, tls, open, all);
            offset += captured;
        }

        return all;
    }

    private static void Segment(ReadOnlySpan<byte> frame, long atNs, int upstreamPort, bool tls, Dictionary<int, WireConnection> open, List<WireConnection> all)
    {
        // Ethernet (14) → IPv4 → TCP; loopback carries nothing else between the proxy and the emulator here.
        if (frame.Length < 14 + 20 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800)
        {
            return;
        }

        var ip = frame[14..];
        var ipHeader = (ip[0] & 0x0F) * 4;
        var ipLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (ip[9] != 6 || ip.Length < ipHeader + 20)
        {
            return;
        }

        var tcp = ip[ipHeader..];
        var source = BinaryPrimitives.ReadUInt16BigEndian(tcp);
        var destination = BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]);
        var tcpHeader = (tcp[12] >> 4) * 4;
        var flags = tcp[13];
        var payloadLength = ipLength - ipHeader - tcpHeader;
        var payload = tcp.Length > tcpHeader ? tcp[tcpHeader..] : [];
        var fromUpstream = source == upstreamPort;
        var proxyPort = fromUpstream ? destination : source;
        if (!fromUpstream && destination != upstreamPort)
        {
            return;
        }

        const byte Fin = 0x01, Syn = 0x02, Rst = 0x04, Ack = 0x10;
        if (!fromUpstream && (flags & Syn) != 0 && (flags & Ack) == 0)
        {
            var connection = new WireConnection(proxyPort, atNs);
            open[proxyPort] = connection;
            all.Add(connection);
            return;
        }

        if (!open.TryGetValue(proxyPort, out var current) || current.ClosedAtNs is not null)
        {
            return;
        }

        if ((flags & (Fin | Rst)) != 0)
        {
            current.ClosedAtNs = atNs;
            return;
        }

        if (payloadLength <= 0 || current.OpenedAtNs is not null)
        {
            return;
        }

        if (!fromUpstream)
        {
            current.RequestAtNs = atNs;
        }
        else if (tls ? payload.Length > 0 && payload[0] == TlsApplicationData && current.RequestAtNs is not null : payload.StartsWith(SwitchingProtocols))
        {
            current.OpenedAtNs = atNs;
        }
    }
}
