using Proxy.Storage;

namespace Proxy.Tests.Storage;

public sealed class SpoolWriterThreadTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Lines_queued_while_a_batch_is_written_go_out_together_in_the_next_batch()
    {
        var batches = new List<string[]>();
        using var firstStarted = new ManualResetEventSlim();
        using var releaseFirst = new ManualResetEventSlim();
        using var writer = new SpoolWriterThread(lines =>
        {
            batches.Add([.. lines.Select(line => System.Text.Encoding.ASCII.GetString(line))]);
            if (batches.Count == 1)
            {
                firstStarted.Set();
                releaseFirst.Wait(Deadline);
            }

            return null;
        }, "test");

        var first = writer.WriteAsync("a"u8.ToArray());
        Assert.True(firstStarted.Wait(Deadline));
        var second = writer.WriteAsync("b"u8.ToArray());
        var third = writer.WriteAsync("c"u8.ToArray());
        Assert.False(second.IsCompleted);
        releaseFirst.Set();

        await Task.WhenAll(first, second, third).WaitAsync(Deadline);
        Assert.Equal([["a"], ["b", "c"]], batches);
    }

    [Fact]
    public async Task Every_line_of_a_failed_batch_fails_with_its_reason_and_the_next_batch_is_written()
    {
        var failure = new IOException("disk full");
        var calls = 0;
        using var writer = new SpoolWriterThread(_ => ++calls == 1 ? failure : null, "test");

        var failed = await Assert.ThrowsAsync<IOException>(() => writer.WriteAsync("a"u8.ToArray()).WaitAsync(Deadline));
        await writer.WriteAsync("b"u8.ToArray()).WaitAsync(Deadline);

        Assert.Same(failure, failed);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task Lines_queued_before_disposal_are_written_and_later_ones_refused()
    {
        var written = new List<byte[]>();
        var writer = new SpoolWriterThread(lines =>
        {
            written.AddRange(lines);
            return null;
        }, "the-owner");
        var queued = writer.WriteAsync("a"u8.ToArray());

        writer.Dispose();

        Assert.True(queued.IsCompletedSuccessfully);
        Assert.Single(written);
        var refused = await Assert.ThrowsAsync<ObjectDisposedException>(() => writer.WriteAsync("b"u8.ToArray()));
        Assert.Equal("the-owner", refused.ObjectName);
    }
}
