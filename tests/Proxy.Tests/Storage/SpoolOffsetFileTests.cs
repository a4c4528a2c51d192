using Proxy.Storage;

namespace Proxy.Tests.Storage;

public sealed class SpoolOffsetFileTests
{
    private const string Directory = "/spool";

    [Fact]
    public void A_saved_offset_is_read_back_after_a_power_cut_and_leaves_no_temporary_file()
    {
        var disk = new MemorySpoolFileSystem();
        new SpoolOffsetFile(Directory, disk).Save(12_345);

        var after = disk.AfterPowerLoss();
        var offset = new SpoolOffsetFile(Directory, after);

        Assert.Equal("12345", offset.ReadText());
        Assert.Equal([offset.Path], after.Files);
    }

    [Fact]
    public void A_save_cut_by_a_crash_leaves_the_old_offset_or_the_new_one()
    {
        var probe = new MemorySpoolFileSystem();
        new SpoolOffsetFile(Directory, probe).Save(100);
        var before = probe.Steps;
        new SpoolOffsetFile(Directory, probe).Save(200);
        var saveSteps = probe.Steps - before;

        for (var crashAfter = 0; crashAfter <= saveSteps; crashAfter++)
        {
            var disk = new MemorySpoolFileSystem();
            new SpoolOffsetFile(Directory, disk).Save(100);
            disk.CrashAfter = disk.Steps + crashAfter;
            try
            {
                new SpoolOffsetFile(Directory, disk).Save(200);
            }
            catch (IOException)
            {
            }

            var survivor = new SpoolOffsetFile(Directory, disk.AfterPowerLoss()).ReadText();
            Assert.True(survivor is "100" or "200", $"crash after {crashAfter} of {saveSteps} steps left '{survivor}'");
        }
    }

    [Fact]
    public void A_deleted_offset_stays_deleted_after_a_power_cut()
    {
        var disk = new MemorySpoolFileSystem();
        var offset = new SpoolOffsetFile(Directory, disk);
        offset.Save(7);

        offset.Delete();

        Assert.Null(new SpoolOffsetFile(Directory, disk.AfterPowerLoss()).ReadText());
        Assert.False(offset.Exists);
    }

    [Theory]
    [InlineData("0", true, 0L)]
    [InlineData("4096", true, 4096L)]
    [InlineData("-1", false, 0L)]
    [InlineData("12ab", false, 0L)]
    [InlineData("", false, 0L)]
    public void Only_a_whole_non_negative_number_parses_as_an_offset(string text, bool parses, long expected)
    {
        Assert.Equal(parses, SpoolOffsetFile.TryParse(text, out var offset));
        if (parses)
        {
            Assert.Equal(expected, offset);
        }
    }
}
