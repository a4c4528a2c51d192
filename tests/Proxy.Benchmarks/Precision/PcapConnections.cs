using System.Buffers.Binary;
using System.Text;

namespace Proxy.Benchmarks.Precision;

/// <summary>
/// Reads a nanosecond pcap file of loopback traffic (tcpdump <c>--time-stamp-precision=nano -w</c>) and finds every
/// upstream connection's wire open and wire close.
/// <para>Plain (ws://): the open is the upstream's first segment whose payload starts with <c>HTTP/1.1 101</c>.</para>
/// <para>TLS 1.2 (<c>--tls</c>): the 101 is encrypted. The handshake's records are types 22 (handshake) and 20 (change
/// cipher spec), and the server sends no application data before its answer to the request, so the open is the
/// upstream's first segment that starts with a TLS application-data record (content type 23) – the record that holds
/// the 101.</para>
/// <para>TLS 1.3 (<c>--tls13</c>): every record after the ServerHello is type 23 on the wire, the server's encrypted
/// handshake (EncryptedExtensions … Finished) included, so the rule above would take the handshake for the 101. The
/// first type-23 record the proxy sends is its Finished (after a type-20 compatibility record, often in the same
/// segment), and it can only send that once it has read the server's whole handshake; after it the server sends
/// nothing of its own accord but session tickets (no post-handshake authentication is asked for, and a KeyUpdate
/// only answers one), and the emulator is started with none (see <c>EmulatorTls</c>). So the open is the upstream's
/// first segment that starts with a type-23 record after a proxy segment holding a type-23 record: the 101.</para>
/// </summary>
internal static class PcapConnections
{
    private const uint NanosecondMagic = 0xA1B23C4D;
    private const uint MicrosecondMagic = 0xA1B2C3D4;
    private const int LinkTypeEthernet = 1;
    private const byte TlsApplicationData = 23;
    private static readonly byte[] SwitchingProtocols = Encoding.ASCII.GetBytes("HTTP/1.1 101");

    public static List<WireConnection> Read(string path, int upstreamPort, UpstreamSecurity security)
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

            Segment(bytes.AsSpan(offset, captured), atNs, upstreamPort, security, open, all);
            offset += captured;
        }

        return all;
    }

    private static void Segment(ReadOnlySpan<byte> frame, long atNs, int upstreamPort, UpstreamSecurity security, Dictionary<int, WireConnection> open, List<WireConnection> all)
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
            if (current.ProxyApplicationDataAtNs is null && HoldsApplicationData(payload))
            {
                current.ProxyApplicationDataAtNs = atNs;
            }
        }
        else if (security switch
        {
            UpstreamSecurity.Plain => payload.StartsWith(SwitchingProtocols),
            UpstreamSecurity.Tls12 => StartsWithApplicationData(payload) && current.RequestAtNs is not null,
            _ => StartsWithApplicationData(payload) && current.ProxyApplicationDataAtNs is not null,
        })
        {
            current.OpenedAtNs = atNs;
        }
    }

    private static bool StartsWithApplicationData(ReadOnlySpan<byte> payload) => payload.Length > 0 && payload[0] == TlsApplicationData;

    /// <summary>Whether any TLS record that starts within the captured bytes of a segment is application data; the
    /// proxy's handshake segments start on a record boundary.</summary>
    internal static bool HoldsApplicationData(ReadOnlySpan<byte> payload)
    {
        // Record header: content type (1), version (2), length (2).
        for (var at = 0; at + 5 <= payload.Length; at += 5 + BinaryPrimitives.ReadUInt16BigEndian(payload[(at + 3)..]))
        {
            if (payload[at] == TlsApplicationData)
            {
                return true;
            }
        }

        return false;
    }
}
