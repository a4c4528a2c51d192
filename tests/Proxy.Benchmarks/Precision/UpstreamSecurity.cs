namespace Proxy.Benchmarks.Precision;

/// <summary>How the proxies reach the emulator in a precision run, which decides how the capture finds the 101.</summary>
internal enum UpstreamSecurity
{
    /// <summary>ws://: the 101 is readable on the wire.</summary>
    Plain,

    /// <summary>wss:// held to TLS 1.2.</summary>
    Tls12,

    /// <summary>wss:// held to TLS 1.3, the emulator issuing no session tickets.</summary>
    Tls13,
}
