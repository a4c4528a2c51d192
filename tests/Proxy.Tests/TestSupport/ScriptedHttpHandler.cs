namespace Proxy.Tests.TestSupport;

/// <summary>An HTTP handler that answers each request with the next scripted answer (the last one repeats) and keeps
/// what it was asked.</summary>
internal sealed class ScriptedHttpHandler(params Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>[] answers) : HttpMessageHandler
{
    private readonly List<(string Method, string Url, string? Authorization)> _requests = [];

    public static ScriptedHttpHandler Of(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) =>
        new([.. answers.Select(a => (Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>)((r, _) => Task.FromResult(a(r))))]);

    public int Count
    {
        get
        {
            lock (_requests)
            {
                return _requests.Count;
            }
        }
    }

    public IReadOnlyList<(string Method, string Url, string? Authorization)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        int index;
        lock (_requests)
        {
            _requests.Add((request.Method.Method, request.RequestUri!.ToString(), request.Headers.Authorization?.ToString()));
            index = _requests.Count - 1;
        }

        return AnswerAsync(request, index, cancellationToken);
    }

    // As a real handler does: the response names its request.
    private async Task<HttpResponseMessage> AnswerAsync(HttpRequestMessage request, int index, CancellationToken cancellationToken)
    {
        var response = await answers[Math.Min(index, answers.Length - 1)](request, cancellationToken).ConfigureAwait(false);
        response.RequestMessage ??= request;
        return response;
    }
}

/// <summary>A fake clock that also says which timers were created (a retry's wait is one), so a test moves the clock
/// only once the code under test waits on it.</summary>
internal sealed class TimerWatchingTimeProvider(DateTimeOffset start) : Microsoft.Extensions.Time.Testing.FakeTimeProvider(start)
{
    private readonly List<TimeSpan> _dueTimes = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_dueTimes)
        {
            _dueTimes.Add(dueTime);
        }

        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>Waits (bounded, in real time) until <paramref name="count"/> timers of <paramref name="dueTime"/> were created.</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime, int count = 1)
    {
        for (var i = 0; i < 1000; i++)
        {
            lock (_dueTimes)
            {
                if (_dueTimes.Count(d => d == dueTime) >= count)
                {
                    return;
                }
            }

            await Task.Delay(10);
        }

        lock (_dueTimes)
        {
            Assert.Fail($"no timer of {dueTime} was created; timers: {string.Join(", ", _dueTimes)}");
        }
    }
}
