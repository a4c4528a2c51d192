using System.Threading.Channels;

namespace Proxy.Storage;

/// <summary>
/// Group commit for the spool: lines are queued from any thread, and one dedicated thread hands everything queued
/// since its last write to <c>writeBatch</c> at once, then completes each line's task with that batch's outcome. An
/// fsync therefore never blocks a thread-pool thread (the copy loops' timestamps depend on those), and lines queued
/// together share one fsync.
/// </summary>
internal sealed class SpoolWriterThread : IDisposable
{
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(10);

    private readonly Channel<(byte[] Line, TaskCompletionSource Written)> _queue =
        Channel.CreateUnbounded<(byte[] Line, TaskCompletionSource Written)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<byte[]>, Exception?> _writeBatch;
    private readonly string _owner;
    private readonly Thread _thread;

    /// <param name="writeBatch">Writes the lines, in order, durably; returns why it failed, or null once every one
    /// of them is durable.</param>
    /// <param name="owner">Named in the <see cref="ObjectDisposedException"/> a line queued after disposal fails
    /// with.</param>
    public SpoolWriterThread(Func<IReadOnlyList<byte[]>, Exception?> writeBatch, string owner)
    {
        _writeBatch = writeBatch;
        _owner = owner;
        _thread = new Thread(WriteLoop) { IsBackground = true, Name = "record-spool" };
        _thread.Start();
    }

    /// <summary>Queues one line; the task completes once the batch it went out in is durable, or fails with the
    /// reason that batch failed.</summary>
    public Task WriteAsync(byte[] line)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((line, written)))
        {
            written.SetException(new ObjectDisposedException(_owner));
        }

        return written.Task;
    }

    private void WriteLoop()
    {
        var lines = new List<byte[]>();
        var waiters = new List<TaskCompletionSource>();
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (_queue.Reader.TryRead(out var item))
            {
                lines.Add(item.Line);
                waiters.Add(item.Written);
            }

            var failure = _writeBatch(lines);
            foreach (var written in waiters)
            {
                if (failure is null)
                {
                    written.TrySetResult();
                }
                else
                {
                    written.TrySetException(failure);
                }
            }

            lines.Clear();
            waiters.Clear();
        }
    }

    /// <summary>Lines already queued are still written (for a bounded time) before this returns.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _thread.Join(DrainLimit);
    }
}
