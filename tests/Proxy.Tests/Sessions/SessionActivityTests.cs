using Proxy.Sessions;

namespace Proxy.Tests.Sessions;

/// <summary>
/// Which kinds of traffic each idle mode counts, and the KeepAlive and ping switches on top. Every kind is touched at
/// its own instant, so the instant <see cref="SessionActivity.LastCounted"/> returns names the kinds it took.
/// </summary>
public sealed class SessionActivityTests
{
    private const long Start = 1_000;

    [Fact]
    public void A_new_activity_has_every_kind_at_its_start()
    {
        var activity = new SessionActivity(Start);

        foreach (var kind in Enum.GetValues<ActivityKind>())
        {
            Assert.Equal(Start, activity.Last(kind));
        }

        foreach (var mode in Enum.GetValues<IdleMode>())
        {
            Assert.Equal(Start, activity.LastCounted(mode, keepAliveIsActivity: true, pingIsActivity: true));
            Assert.Equal(Start, activity.LastCounted(mode, keepAliveIsActivity: false, pingIsActivity: false));
        }
    }

    [Fact]
    public void Touch_sets_only_its_own_kind()
    {
        var activity = new SessionActivity(Start);

        activity.Touch(ActivityKind.ClientMessage, 5_000);

        Assert.Equal(5_000, activity.Last(ActivityKind.ClientMessage));
        Assert.Equal(Start, activity.Last(ActivityKind.ClientAudio));
        Assert.Equal(Start, activity.Last(ActivityKind.UpstreamData));
    }

    [Theory]
    // The newest kind, then whether it counts in audio, messages and any mode.
    [InlineData((int)ActivityKind.ClientAudio, true, true, true)]
    [InlineData((int)ActivityKind.ClientMessage, false, true, true)]
    [InlineData((int)ActivityKind.UpstreamData, false, false, true)]
    [InlineData((int)ActivityKind.ClientKeepAlive, false, false, false)]
    [InlineData((int)ActivityKind.ClientPing, false, false, false)]
    [InlineData((int)ActivityKind.UpstreamPing, false, false, false)]
    public void Without_the_switches_each_mode_counts_its_own_kinds(int kind, bool audio, bool messages, bool any)
    {
        var activity = new SessionActivity(Start);
        activity.Touch((ActivityKind)kind, 9_000);

        Assert.Equal(audio ? 9_000 : Start, activity.LastCounted(IdleMode.Audio, keepAliveIsActivity: false, pingIsActivity: false));
        Assert.Equal(messages ? 9_000 : Start, activity.LastCounted(IdleMode.Messages, keepAliveIsActivity: false, pingIsActivity: false));
        Assert.Equal(any ? 9_000 : Start, activity.LastCounted(IdleMode.Any, keepAliveIsActivity: false, pingIsActivity: false));
    }

    [Theory]
    [InlineData("audio")]
    [InlineData("messages")]
    [InlineData("any")]
    public void Keep_alive_counts_in_every_mode_once_switched_on(string modeName)
    {
        var mode = Mode(modeName);
        var activity = new SessionActivity(Start);
        activity.Touch(ActivityKind.ClientKeepAlive, 9_000);

        Assert.Equal(9_000, activity.LastCounted(mode, keepAliveIsActivity: true, pingIsActivity: false));
        Assert.Equal(Start, activity.LastCounted(mode, keepAliveIsActivity: false, pingIsActivity: true));
    }

    [Theory]
    [InlineData("audio")]
    [InlineData("messages")]
    [InlineData("any")]
    public void Client_pings_count_in_every_mode_once_switched_on(string modeName)
    {
        var mode = Mode(modeName);
        var activity = new SessionActivity(Start);
        activity.Touch(ActivityKind.ClientPing, 9_000);

        Assert.Equal(9_000, activity.LastCounted(mode, keepAliveIsActivity: false, pingIsActivity: true));
        Assert.Equal(Start, activity.LastCounted(mode, keepAliveIsActivity: true, pingIsActivity: false));
    }

    [Theory]
    [InlineData("audio", false)]
    [InlineData("messages", false)]
    [InlineData("any", true)]
    public void Upstream_pings_count_only_in_any_mode_once_switched_on(string modeName, bool counts)
    {
        var mode = Mode(modeName);
        var activity = new SessionActivity(Start);
        activity.Touch(ActivityKind.UpstreamPing, 9_000);

        Assert.Equal(counts ? 9_000 : Start, activity.LastCounted(mode, keepAliveIsActivity: false, pingIsActivity: true));
        Assert.Equal(Start, activity.LastCounted(mode, keepAliveIsActivity: true, pingIsActivity: false));
    }

    [Fact]
    public void The_newest_counted_kind_wins_over_older_ones_and_newer_uncounted_ones()
    {
        var activity = new SessionActivity(Start);
        activity.Touch(ActivityKind.ClientAudio, 2_000);
        activity.Touch(ActivityKind.ClientMessage, 3_000);
        activity.Touch(ActivityKind.UpstreamData, 4_000);
        activity.Touch(ActivityKind.ClientKeepAlive, 5_000);
        activity.Touch(ActivityKind.ClientPing, 6_000);
        activity.Touch(ActivityKind.UpstreamPing, 7_000);

        Assert.Equal(2_000, activity.LastCounted(IdleMode.Audio, false, false));
        Assert.Equal(3_000, activity.LastCounted(IdleMode.Messages, false, false));
        Assert.Equal(4_000, activity.LastCounted(IdleMode.Any, false, false));
        Assert.Equal(5_000, activity.LastCounted(IdleMode.Audio, true, false));
        Assert.Equal(6_000, activity.LastCounted(IdleMode.Messages, true, true));
        Assert.Equal(7_000, activity.LastCounted(IdleMode.Any, false, true));
    }

    [Fact]
    public void An_older_touch_of_a_counted_kind_does_not_hide_a_newer_one_of_another()
    {
        var activity = new SessionActivity(Start);
        activity.Touch(ActivityKind.ClientMessage, 8_000);
        activity.Touch(ActivityKind.ClientAudio, 3_000);

        Assert.Equal(8_000, activity.LastCounted(IdleMode.Messages, false, false));
        Assert.Equal(3_000, activity.LastCounted(IdleMode.Audio, false, false));
    }

    [Fact]
    public void Reset_moves_every_kind_to_the_new_instant()
    {
        var activity = new SessionActivity(Start);
        activity.Touch(ActivityKind.ClientAudio, 2_000);
        activity.Touch(ActivityKind.UpstreamPing, 3_000);

        activity.Reset(10_000);

        foreach (var kind in Enum.GetValues<ActivityKind>())
        {
            Assert.Equal(10_000, activity.Last(kind));
        }

        Assert.Equal(10_000, activity.LastCounted(IdleMode.Audio, false, false));
    }

    private static IdleMode Mode(string name)
    {
        Assert.True(IdleModes.TryParse(name, out var mode));
        return mode;
    }
}
