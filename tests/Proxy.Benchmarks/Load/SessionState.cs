namespace Proxy.Benchmarks.Load;

internal enum SessionState
{
    AwaitingWelcome,
    AwaitingSettingsApplied,
    Ready,
    Closing,
    Closed,
    Failed,
}
