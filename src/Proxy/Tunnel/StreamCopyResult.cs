namespace Proxy.Tunnel;

/// <summary>How one direction's copy loop ended (the shape of YARP's own <c>StreamCopyResult</c>).</summary>
internal enum StreamCopyResult
{
    /// <summary>The input ended cleanly (end of stream).</summary>
    Success,

    /// <summary>Reading the input failed.</summary>
    InputError,

    /// <summary>Writing the output failed.</summary>
    OutputError,

    /// <summary>The loop was stopped: the other direction ended or failed, or the client's connection closed.</summary>
    Canceled,
}
