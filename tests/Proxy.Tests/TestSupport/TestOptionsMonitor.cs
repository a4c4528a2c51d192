using Microsoft.Extensions.Options;

namespace Proxy.Tests.TestSupport;

/// <summary>An options monitor whose current value a test sets; nothing listens for changes.</summary>
internal sealed class TestOptionsMonitor<T> : IOptionsMonitor<T>
{
    public TestOptionsMonitor(T value)
    {
        CurrentValue = value;
    }

    public T CurrentValue { get; set; }

    public T Get(string? name) => CurrentValue;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}
