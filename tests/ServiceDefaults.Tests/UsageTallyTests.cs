namespace Mnemosyne.ServiceDefaults.Tests;

/// <summary>Usage added up until written: a write that fails keeps its counts, one that succeeds empties the tally.</summary>
public sealed class UsageTallyTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Records_add_up_and_a_successful_write_takes_them_all()
    {
        var tally = new UsageTally<string>();
        tally.Record("a", new TokenUsage(1, Noon));
        tally.Record("a", new TokenUsage(2, Noon.AddSeconds(-5)));
        tally.Record("b", new TokenUsage(1, Noon.AddSeconds(1)));
        IReadOnlyList<(string Key, TokenUsage Usage)> written = [];

        Assert.Equal(new TokenUsage(3, Noon), tally.Pending("a"));
        await tally.FlushAsync((batch, _) => { written = [.. batch]; return Task.FromResult(true); }, TestContext.Current.CancellationToken);

        Assert.Equal([("a", new TokenUsage(3, Noon)), ("b", new TokenUsage(1, Noon.AddSeconds(1)))], written.OrderBy(w => w.Key));
        Assert.Null(tally.Pending("a"));
        Assert.Null(tally.Pending("b"));
    }

    [Fact]
    public async Task A_failed_write_keeps_its_counts_for_the_next_with_what_was_recorded_meanwhile()
    {
        var tally = new UsageTally<string>();
        tally.Record("a", new TokenUsage(2, Noon));

        await tally.FlushAsync((_, _) =>
        {
            tally.Record("a", new TokenUsage(1, Noon.AddSeconds(3))); // a call while the write was failing
            return Task.FromResult(false);
        }, TestContext.Current.CancellationToken);

        Assert.Equal(new TokenUsage(3, Noon.AddSeconds(3)), tally.Pending("a"));
    }

    [Fact]
    public async Task Nothing_recorded_writes_nothing()
    {
        var tally = new UsageTally<string>();
        var writes = 0;

        await tally.FlushAsync((_, _) => { writes++; return Task.FromResult(true); }, TestContext.Current.CancellationToken);

        Assert.Equal(0, writes);
    }
}
