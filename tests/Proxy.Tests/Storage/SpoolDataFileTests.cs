using Proxy.Storage;

namespace Proxy.Tests.Storage;

public sealed class SpoolDataFileTests
{
    private const string Directory = "/spool";

    // Longer than the file is scanned in (64 KiB), so a search has to cross a window's edge.
    private const int LongLine = 100_000;

    [Fact]
    public void The_end_of_the_last_line_leaves_out_a_torn_tail_even_one_longer_than_a_scan_window()
    {
        var (disk, data) = Holding([.. Line(10), .. Line(20), .. Filler(LongLine)]);

        Assert.Equal(32, data.EndOfLastLine(disk.GetLength(data.Path)!.Value));
        Assert.Equal(11, data.EndOfLastLine(20));
    }

    [Fact]
    public void A_file_without_a_complete_line_ends_its_lines_at_zero()
    {
        var (disk, data) = Holding(Filler(LongLine));

        Assert.Equal(0, data.EndOfLastLine(disk.GetLength(data.Path)!.Value));
    }

    [Fact]
    public void Lines_are_counted_between_two_offsets_across_scan_windows()
    {
        byte[] contents = [.. Line(LongLine), .. Line(5), .. Line(LongLine), .. Line(7)];
        var (_, data) = Holding(contents);

        Assert.Equal(4, data.CountLines(0, contents.Length));
        Assert.Equal(2, data.CountLines(LongLine + 1, LongLine + 1 + 6 + LongLine + 1));
        Assert.Equal(0, data.CountLines(10, 10));
    }

    [Fact]
    public void Only_the_start_of_the_file_and_the_byte_after_a_newline_are_line_starts()
    {
        var (_, data) = Holding([.. Line(10), .. Line(20)]);

        Assert.True(data.IsLineStart(0));
        Assert.True(data.IsLineStart(11));
        Assert.False(data.IsLineStart(7));
    }

    [Fact]
    public async Task A_stretch_is_read_from_the_offset_given()
    {
        var (_, data) = Holding([.. Line(10), .. "second\n"u8]);
        var into = new byte[7];

        await data.ReadAsync(11, into, CancellationToken.None);

        Assert.Equal("second\n"u8.ToArray(), into);
    }

    private static (MemorySpoolFileSystem Disk, SpoolDataFile Data) Holding(byte[] contents)
    {
        var disk = new MemorySpoolFileSystem();
        var data = new SpoolDataFile(Directory, disk);
        disk.Put(data.Path, contents);
        return (disk, data);
    }

    private static byte[] Filler(int length) => Enumerable.Repeat((byte)'x', length).ToArray();

    private static byte[] Line(int length) => [.. Filler(length), SpoolLine.End];
}
