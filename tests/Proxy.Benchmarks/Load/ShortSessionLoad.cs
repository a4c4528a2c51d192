using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Proxy.Benchmarks.Load;

/// <summary>
/// Many short sessions, as a record store sees them: each opens (upgrade, Welcome → Settings → SettingsApplied),
/// streams a few audio frames, and closes; a bounded number at a time. Session <c>i</c> belongs to customer
/// <c>i mod customers</c> and goes to instance <c>(i div customers) mod instances</c>, so every customer has sessions on
/// every instance. Each carries its own <c>client_session_id</c>, by which its record is found afterwards.
/// </summary>
internal static class ShortSessionLoad
{
    private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(10);

    public static async Task<ShortSessionResult> RunAsync(string label, IReadOnlyList<ProxyServer> instances, IReadOnlyList<LoadCustomer> customers, int sessions, int framesPerSession, int concurrency)
    {
        var recorder = new LoadRecorder();
        var opening = new LatencyHistogram();
        var opened = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, sessions),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, cancellationToken) =>
            {
                var customer = customers[i % customers.Count];
                var instance = instances[i / customers.Count % instances.Count];
                var clientSessionId = ClientSessionId(label, i);
                var started = Stopwatch.GetTimestamp();
                LoadSession session;
                try
                {
                    session = await LoadSession.OpenAsync(i, instance.AgentUrl("/v1/agent/converse?client_session_id=" + clientSessionId), customer.Key, recorder, OpenTimeout).ConfigureAwait(false);
                }
                catch (IOException ex)
                {
                    recorder.SessionFailed(ex.Message);
                    return;
                }

                opening.Record(LoadRecorder.ToMicroseconds(Stopwatch.GetTimestamp() - started));
                opened.Add(clientSessionId);
                for (var frame = 0; frame < framesPerSession && session.SendAudio(); frame++)
                {
                    await Task.Delay(StreamingSettings.FramePeriod, cancellationToken).ConfigureAwait(false);
                }

                await session.CloseAsync(CloseTimeout).ConfigureAwait(false);
            }).ConfigureAwait(false);

        return new ShortSessionResult(sessions, [.. opened], recorder.Errors, recorder.ErrorMessages, opening.ValueAtPercentile(50), opening.ValueAtPercentile(99));
    }

    private static string ClientSessionId(string label, int index) => string.Create(CultureInfo.InvariantCulture, $"{label}-{index}");
}

/// <summary>A customer of a load run and the proxy key its sessions present.</summary>
internal sealed record LoadCustomer(string Id, string Key);

/// <summary>What a <see cref="ShortSessionLoad"/> run did: the client session ids of the sessions that opened (each
/// must have exactly one record), errors, and how long opening took (µs: connect to SettingsApplied).</summary>
internal sealed record ShortSessionResult(int Sessions, IReadOnlyCollection<string> Opened, int Errors, IReadOnlyCollection<string> ErrorMessages, long OpenP50, long OpenP99);
