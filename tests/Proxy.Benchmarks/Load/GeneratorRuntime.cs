namespace Proxy.Benchmarks.Load;

/// <summary>
/// Runtime settings of the load generator itself. Socket completions run inline on the socket engine's thread instead
/// of being handed to the thread pool: each receive loop only parses a frame and records a number, and the hand-off
/// (with the pool's spin-waiting between sparse work items) cost more than the work. Measured on this 2-core machine,
/// 20 sessions (1,000 echoes/s): 52 % of a core with hand-offs, 10 % inline; 200 sessions: 79 % → 61 %.
/// </summary>
internal static class GeneratorRuntime
{
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Must run before the first socket operation: the socket engine reads the variable once.</summary>
    public static void Configure() => Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
}
