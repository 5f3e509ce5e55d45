using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.ServiceDefaults.Tests.Invalidation;

/// <summary>What a change reaches and what a decision depends on, as both services write and read them.</summary>
public sealed class InvalidationReachTests
{
    [Fact]
    public void A_reach_drops_a_decision_that_depends_on_one_of_its_names_and_keeps_the_others()
    {
        var reach = InvalidationReach.Of(Dependency.User("alice"), Dependency.Group("readers"));

        Assert.True(reach.Affects([Dependency.Token("ab12"), Dependency.User("alice")]));
        Assert.True(reach.Affects([Dependency.Group("readers")]));
        Assert.False(reach.Affects([Dependency.User("bob"), Dependency.Group("writers")]));
        Assert.False(reach.Affects([]));
        Assert.False(InvalidationReach.Nothing.Affects([Dependency.User("alice")]));
    }

    [Fact]
    public void Everything_and_an_unknown_dependency_always_drop()
    {
        Assert.True(InvalidationReach.Everything.Affects([]));
        Assert.True(InvalidationReach.Of(Dependency.User("alice")).Affects(null));
        Assert.True(InvalidationReach.Union([InvalidationReach.Of("user:a"), InvalidationReach.Everything]).IsEverything);
        Assert.Equal(["user:a", "user:b"], InvalidationReach.Union([InvalidationReach.Of("user:a"), InvalidationReach.Of("user:b")]).Names!.Order());
    }

    [Fact]
    public void A_change_survives_the_log_and_the_channel_whatever_its_names_hold()
    {
        var reach = InvalidationReach.Of(Dependency.Group("Domain Users, EU|1"), Dependency.Workspace("ws \"q\" ü"));

        Assert.True(InvalidationProtocol.TryParseChange(InvalidationProtocol.FormatChange(42, reach), out var generation, out var read));
        Assert.Equal(42, generation);
        Assert.Equal(reach.Names!.Order(), read.Names!.Order());
        Assert.True(InvalidationProtocol.TryParseChange(InvalidationProtocol.FormatChange(7, InvalidationReach.Everything), out _, out var everything));
        Assert.True(everything.IsEverything);
        Assert.False(InvalidationProtocol.TryParseChange("7|not json", out _, out _));
        Assert.False(InvalidationProtocol.TryParseChange("x|*", out _, out _));
    }

    [Fact]
    public void Dependencies_survive_the_header_and_a_missing_or_oversized_header_means_everything()
    {
        string[] names = [Dependency.Group("a,b"), Dependency.Workspace("ws with spaces"), Dependency.User("ü")];

        Assert.Equal(names, Dependency.FromHeader(Dependency.ToHeader(names)));
        Assert.Empty(Dependency.FromHeader(Dependency.ToHeader([]))!);
        Assert.Null(Dependency.FromHeader(null));
        Assert.Null(Dependency.ToHeader(Enumerable.Range(0, 2000).Select(i => Dependency.Group($"group-{i:D10}"))));
    }
}
