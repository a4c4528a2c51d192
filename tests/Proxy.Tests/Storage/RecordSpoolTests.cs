using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Proxy.Metering;
using Proxy.Storage;
using Proxy.Tests.TestSupport;

namespace Proxy.Tests.Storage;

public sealed class RecordSpoolTests
{
    private const string SpoolDirectory = "/spool";
    private const string DataFile = "/spool/records.jsonl";
    private const string OffsetFile = "/spool/records.offset";

    // More than one offset save's worth (every 100 entries), so a crash can fall between two of them.
    private const int ReplayCrashRecords = 250;

    public enum Crash
    {
        /// <summary>The process is killed: the kernel keeps every write it had.</summary>
        Process,

        /// <summary>The machine loses power: only what was fsync'd (data and directory entries) remains.</summary>
        PowerLoss,
    }

    [Fact]
    public async Task Appended_entries_are_replayed_in_order_exactly_as_written_and_the_files_removed()
    {
        var disk = new MemorySpoolFileSystem();
        using var spool = Open(disk);
        var written = Enumerable.Range(1, 5).Select(Entry).ToList();
        foreach (var entry in written)
        {
            await spool.AppendAsync(entry);
        }

        Assert.Equal(5, spool.PendingRecords);
        var replayed = await ReplayAsync(spool);

        Assert.Equal(written.Select(Json), replayed);
        Assert.False(spool.HasPending);
        Assert.Equal(0, spool.PendingRecords);
        Assert.Empty(disk.Files);
    }

    [Fact]
    public async Task Entries_on_the_real_disk_survive_a_restart_and_are_replayed_once()
    {
        var directory = Directory.CreateTempSubdirectory("dgproxy-spool-test-").FullName;
        try
        {
            var written = Enumerable.Range(1, 3).Select(Entry).ToList();
            using (var first = OpenOnDisk(directory))
            {
                foreach (var entry in written)
                {
                    await first.AppendAsync(entry);
                }
            }

            using var second = OpenOnDisk(directory);
            Assert.Equal(3, second.PendingRecords);
            Assert.Equal(written.Select(Json), await ReplayAsync(second));
            Assert.Empty(await ReplayAsync(second));
            Assert.Empty(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_write_that_fails_halfway_does_not_swallow_the_next_acknowledged_entry()
    {
        var disk = new MemorySpoolFileSystem();
        var logger = new FakeLogger<RecordSpool>();
        using var spool = Open(disk, logger);
        await spool.AppendAsync(Entry(1));

        // The disk fills up in the middle of the next line, then has room again.
        var failed = false;
        disk.Fail = step => step.Operation == "write" && !failed && (failed = true);
        await Assert.ThrowsAsync<IOException>(() => spool.AppendAsync(Entry(2)));
        await spool.AppendAsync(Entry(3));

        Assert.Equal([Json(Entry(1)), Json(Entry(3))], await ReplayAsync(spool));
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), log => log.Id.Id == 4101);
    }

    [Theory]
    [InlineData(Crash.Process)]
    [InlineData(Crash.PowerLoss)]
    public async Task A_failed_fsync_does_not_cost_a_later_acknowledged_entry_even_after_a_crash(Crash crash)
    {
        var disk = new MemorySpoolFileSystem();
        using (var spool = Open(disk))
        {
            await spool.AppendAsync(Entry(1));

            // Write-back of the next line fails: Linux drops those pages, and a later fsync does not bring them back.
            var failed = false;
            disk.Fail = step => step.Operation == "sync" && !failed && (failed = true);
            await Assert.ThrowsAsync<IOException>(() => spool.AppendAsync(Entry(2)));
            await spool.AppendAsync(Entry(3));
        }

        using var next = Open(After(disk, crash));
        var replayed = await ReplayAsync(next);

        Assert.Contains(Json(Entry(1)), replayed);
        Assert.Contains(Json(Entry(3)), replayed);
    }

    [Fact]
    public async Task A_disk_that_keeps_failing_acknowledges_nothing_and_loses_nothing_once_it_recovers()
    {
        var disk = new MemorySpoolFileSystem();
        using var spool = Open(disk);
        await spool.AppendAsync(Entry(1));

        // Every step fails for a while (write, fsync, and the repair of the file before the next write).
        var broken = true;
        disk.Fail = _ => broken;
        for (var i = 2; i <= 4; i++)
        {
            await Assert.ThrowsAsync<IOException>(() => spool.AppendAsync(Entry(i)));
        }

        broken = false;
        await spool.AppendAsync(Entry(5));
        await spool.AppendAsync(Entry(6));

        Assert.Equal([Json(Entry(1)), Json(Entry(5)), Json(Entry(6))], await ReplayAsync(spool));
    }

    [Fact]
    public async Task A_line_torn_by_a_crash_is_dropped_and_the_next_entry_starts_a_fresh_line()
    {
        var disk = new MemorySpoolFileSystem();
        var torn = Encoding.UTF8.GetBytes(Json(Entry(2)))[..40];
        disk.Put(DataFile, [.. Line(Entry(1)), .. torn]);

        var logger = new FakeLogger<RecordSpool>();
        using var spool = Open(disk, logger);
        Assert.Equal(1, spool.PendingRecords);
        await spool.AppendAsync(Entry(3));

        Assert.Equal([Json(Entry(1)), Json(Entry(3))], await ReplayAsync(spool));
        Assert.Contains(logger.Collector.GetSnapshot(), log => log.Id.Id == 4107);
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), log => log.Id.Id == 4101);
    }

    [Fact]
    public async Task A_complete_line_that_does_not_parse_is_logged_and_skipped_and_the_rest_replayed()
    {
        var disk = new MemorySpoolFileSystem();
        disk.Put(DataFile, [.. Line(Entry(1)), .. "{\"op\":\"final\",\"rec\n"u8, .. Line(Entry(3))]);
        var logger = new FakeLogger<RecordSpool>();
        using var spool = Open(disk, logger);

        Assert.Equal([Json(Entry(1)), Json(Entry(3))], await ReplayAsync(spool));
        Assert.Contains(logger.Collector.GetSnapshot(), log => log.Id.Id == 4101);
    }

    [Fact]
    public async Task An_offset_left_without_its_data_does_not_skip_the_next_file()
    {
        // What a crash between deleting the data and deleting the offset left behind (the order before this fix).
        var disk = new MemorySpoolFileSystem();
        disk.Put(OffsetFile, "100000"u8.ToArray());
        using (var spool = Open(disk))
        {
            await spool.AppendAsync(Entry(1));
            await spool.AppendAsync(Entry(2));
        }

        using var next = Open(disk.AfterPowerLoss());

        Assert.Equal([Json(Entry(1)), Json(Entry(2))], await ReplayAsync(next));
    }

    [Fact]
    public async Task An_offset_that_is_not_a_line_start_is_distrusted_and_everything_replayed()
    {
        var disk = new MemorySpoolFileSystem();
        disk.Put(DataFile, [.. Line(Entry(1)), .. Line(Entry(2))]);
        disk.Put(OffsetFile, "7"u8.ToArray());
        var logger = new FakeLogger<RecordSpool>();
        using var spool = Open(disk, logger);

        Assert.Equal([Json(Entry(1)), Json(Entry(2))], await ReplayAsync(spool));
        Assert.Contains(logger.Collector.GetSnapshot(), log => log.Id.Id == 4108);
    }

    [Fact]
    public async Task A_drained_spool_whose_deletion_fails_halfway_loses_nothing_spooled_after()
    {
        // A previous process replayed the first entry; this one replays the second, and its second deletion fails.
        var disk = new MemorySpoolFileSystem();
        disk.Put(DataFile, [.. Line(Entry(1)), .. Line(Entry(2))]);
        disk.Put(OffsetFile, Encoding.ASCII.GetBytes(Line(Entry(1)).Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var deletions = 0;
        disk.Fail = step => step.Operation == "delete" && ++deletions == 2;

        // Entries 3 and 4 take as many bytes as 1 and 2: an offset left over from the drained file would fall on a
        // line start of the new one and skip entry 3 without a trace.
        var later = new[] { Entry(3), Entry(4), Entry(5) };
        using (var spool = Open(disk))
        {
            await Assert.ThrowsAsync<IOException>(() => ReplayAsync(spool));
            foreach (var entry in later)
            {
                await spool.AppendAsync(entry);
            }
        }

        using var next = Open(disk.AfterProcessCrash());

        Assert.Subset((await ReplayAsync(next)).ToHashSet(), later.Select(Json).ToHashSet());
    }

    [Fact]
    public async Task Replay_progress_survives_a_power_cut()
    {
        var disk = new MemorySpoolFileSystem();
        using (var spool = Open(disk))
        {
            await Task.WhenAll(Enumerable.Range(1, 150).Select(Entry).Select(spool.AppendAsync));

            // Redis goes away again after 120 entries: the offset saved at 100 must still be there after the cut.
            var applied = 0;
            await Assert.ThrowsAsync<TimeoutException>(() => spool.ReplayAsync(
                _ => ++applied > 120 ? throw new TimeoutException("Redis gone") : Task.CompletedTask,
                CancellationToken.None));
        }

        using var next = Open(disk.AfterPowerLoss());

        Assert.Equal(50, next.PendingRecords);
        Assert.Equal(Json(Entry(101)), (await ReplayAsync(next))[0]);
    }

    [Theory]
    [InlineData(Crash.Process)]
    [InlineData(Crash.PowerLoss)]
    public async Task A_crash_at_any_step_of_appending_loses_no_acknowledged_entry(Crash crash)
    {
        var everyStepSurvived = false;
        for (var crashAfter = 0; crashAfter < 100 && !everyStepSurvived; crashAfter++)
        {
            var disk = new MemorySpoolFileSystem { CrashAfter = crashAfter };
            var acknowledged = new List<string>();
            using (var spool = Open(disk))
            {
                everyStepSurvived = true;
                for (var i = 1; i <= 5; i++)
                {
                    try
                    {
                        await spool.AppendAsync(Entry(i));
                        acknowledged.Add(Json(Entry(i)));
                    }
                    catch (IOException)
                    {
                        everyStepSurvived = false;
                    }
                }
            }

            using var next = Open(After(disk, crash));
            var replayed = await ReplayAsync(next);

            var lost = acknowledged.Except(replayed).ToList();
            Assert.True(lost.Count == 0, $"crash after step {crashAfter} of [{string.Join(", ", disk.History)}] lost {string.Join(", ", lost.Select(SessionOf))}");
            Assert.Subset(Enumerable.Range(1, 5).Select(i => Json(Entry(i))).ToHashSet(), replayed.ToHashSet());
        }

        Assert.True(everyStepSurvived, "appending never got through without a crash");
    }

    [Theory]
    [InlineData(Crash.Process)]
    [InlineData(Crash.PowerLoss)]
    public async Task A_crash_at_any_step_of_replay_loses_no_entry_then_or_later(Crash crash)
    {
        var spooled = Enumerable.Range(1, ReplayCrashRecords).Select(Entry).ToList();
        var later = Enumerable.Range(ReplayCrashRecords + 1, 3).Select(Entry).ToList();
        var initial = new MemorySpoolFileSystem();
        using (var spool = Open(initial))
        {
            await Task.WhenAll(spooled.Select(spool.AppendAsync));
        }

        var replayCompleted = false;
        for (var crashAfter = 0; crashAfter < 100 && !replayCompleted; crashAfter++)
        {
            // Redis took these before the crash.
            var disk = initial.AfterProcessCrash();
            disk.CrashAfter = crashAfter;
            var appliedBefore = new List<string>();
            using (var spool = Open(disk))
            {
                try
                {
                    await ReplayIntoAsync(spool, appliedBefore);
                    replayCompleted = true;
                }
                catch (IOException)
                {
                }
            }

            // The next process spools more (Redis down again) and dies too; the one after replays what is left.
            var reopened = After(disk, crash);
            using (var spool = Open(reopened))
            {
                foreach (var entry in later)
                {
                    await spool.AppendAsync(entry);
                }
            }

            var final = After(reopened, crash);
            using var last = Open(final);
            var appliedAfter = await ReplayAsync(last);

            var context = $"crash after step {crashAfter} of [{string.Join(", ", disk.History)}]";
            var lost = spooled.Select(Json).Except(appliedBefore.Concat(appliedAfter)).ToList();
            Assert.True(lost.Count == 0, $"{context} lost {lost.Count} spooled entries: {string.Join(", ", lost.Select(SessionOf))}");
            var lostLater = later.Select(Json).Except(appliedAfter).ToList();
            Assert.True(lostLater.Count == 0, $"{context} lost {lostLater.Count} entries spooled after it: {string.Join(", ", lostLater.Select(SessionOf))}");
            Assert.Subset(spooled.Concat(later).Select(Json).ToHashSet(), appliedAfter.ToHashSet());
            Assert.False(last.HasPending);
            using var afterAll = Open(final.AfterProcessCrash());
            Assert.False(afterAll.HasPending, $"{context} left entries to replay again");
        }

        Assert.True(replayCompleted, "replay never got through without a crash");
    }

    private static MemorySpoolFileSystem After(MemorySpoolFileSystem disk, Crash crash) =>
        crash == Crash.PowerLoss ? disk.AfterPowerLoss() : disk.AfterProcessCrash();

    private static RecordSpool Open(ISpoolFileSystem files, FakeLogger<RecordSpool>? logger = null) =>
        new(Options.Create(new StorageOptions { SpoolDirectory = SpoolDirectory }), (ILogger<RecordSpool>?)logger ?? NullLogger<RecordSpool>.Instance, files);

    private static RecordSpool OpenOnDisk(string directory) =>
        new(Options.Create(new StorageOptions { SpoolDirectory = directory }), NullLogger<RecordSpool>.Instance);

    private static async Task<List<string>> ReplayAsync(RecordSpool spool)
    {
        var applied = new List<string>();
        await ReplayIntoAsync(spool, applied);
        return applied;
    }

    private static async Task ReplayIntoAsync(RecordSpool spool, List<string> applied)
    {
        // Bounded: each round applies what was pending when it started.
        for (var round = 0; round < 10 && spool.HasPending; round++)
        {
            await spool.ReplayAsync(entry =>
            {
                applied.Add(Json(entry));
                return Task.CompletedTask;
            }, CancellationToken.None);
        }
    }

    private static SpoolEntry Entry(int number) => new(
        number % 2 == 0 ? SpoolEntry.Final : SpoolEntry.Open,
        TestSessionRecords.Minimal($"session-{number}", clientOpenedAtMs: 1_700_000_000_000 + number) with
        {
            DurationMs = number % 2 == 0 ? number * 1_000 : null,
            Status = number % 2 == 0 ? SessionStatus.Closed : SessionStatus.Open,
            Tags = ["spool-test"],
        });

    private static string Json(SpoolEntry entry) => JsonSerializer.Serialize(entry, SpoolJsonContext.Default.SpoolEntry);

    private static string SessionOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("record").GetProperty("session_id").GetString()!;
    }

    private static byte[] Line(SpoolEntry entry) => Encoding.UTF8.GetBytes(Json(entry) + "\n");
}
