namespace Proxy.Benchmarks.Load;

/// <summary>Which load generator drives a streaming run.</summary>
internal enum GeneratorKind
{
    /// <summary>This process: a few sender loops on bare sockets (<see cref="StreamingLoad"/>).</summary>
    Dotnet,

    /// <summary>Node's <c>ws</c>, a timer per session (tests/sdk-e2e/load-ws.mjs, <see cref="NodeStreamingLoad"/>).</summary>
    Node,
}
