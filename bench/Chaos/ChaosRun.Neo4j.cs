using Mnemosyne.Testing;
using Outcome = Mnemosyne.Bench.Chaos.ToolCall.Outcome;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// The library store on Neo4j unreachable on the wire (issue 23): the <see cref="Neo4jPair"/>'s edges to the stand-in
/// Neo4j black-holed under its own load, judged as the Postgres store's outage is (the library-store-unreachable row).
/// </summary>
public sealed partial class ChaosRun
{
    /// <summary>The Neo4j pair's callers: two per credential kind, all through its mcp-host.</summary>
    private const int Neo4jCallers = 8;

    private async Task<Row> Neo4jBlackHoleAsync()
    {
        await using var pair = await Neo4jPair.StartAsync(_cluster);
        using var client = ToolCall.ClientFor(pair.McpHost.Address);
        await using var load = ChaosLoad.Start([client], pair.Tokens, Neo4jCallers, firstHost: pair.Replica);
        // Longer than the other wire faults by one statement timeout: every call held when it begins takes that long,
        // and the next one, which resolves its scope afresh, must fit inside it too.
        var outage = WireOutage + TimeSpan.FromSeconds(Neo4jPair.StatementTimeoutSeconds);
        var scoped = Enumerable.Repeat(pair.Tokens["team"], Resolves / 2).Concat(Enumerable.Repeat(pair.Tokens["oauth"], Resolves / 2)).ToList();
        var (resolves, emptied) = (new List<ToolCall.Result>(), 0L);
        var (violations, calls, down, _, back, revoked) = await UnderWireFaultAsync(pair.Neo4jEdges, WireFault.BlackHole, probe: async () =>
        {
            // Every cache emptied: from now on team and OAuth calls resolve their scope from Neo4j. Asked at once, since
            // each waits out the statement timeout.
            await _cluster.EmptyEveryCacheAsync();
            emptied = Now;
            resolves.AddRange((await Task.WhenAll(scoped.Select(bearer => ResolvesAsync([bearer], pair.Auth)))).SelectMany(r => r));
        }, outage: outage, scene: new WireScene([client], _ => pair.LibraryAdmin(), load));

        var neo4j = calls.Where(c => c.Host == pair.Replica).ToList();
        var postgres = Between(calls.Where(c => c.Host != pair.Replica), down, back);
        var during = Within(neo4j, down, back);
        var resolved = Within(during, emptied, back).Where(c => c.Kind is "team" or "oauth").ToList();
        var passed = during.Where(c => c.Kind is "opaque" or "turn").ToList();
        Expect(violations, "while Neo4j is black-holed: tools answer \"library store unavailable\" or the gate 503, never a result", during,
            c => c.Result.Outcome is Outcome.StoreUnavailable or Outcome.Unavailable, down);
        Expect(violations, "team and OAuth resolution once the caches are emptied: 503 unavailable", resolved,
            c => c.Result.Outcome == Outcome.Unavailable, down);
        Expect(violations, $"auth-service-{pair.Replica} itself, resolving team and OAuth tokens: 503 unavailable", resolves,
            r => r.Outcome == Outcome.Unavailable);
        Expect(violations, "opaque and turn calls pass the gate; their tool answers \"library store unavailable\"", passed,
            c => c.Result.Outcome == Outcome.StoreUnavailable, down);
        Expect(violations, "the Postgres pairs meanwhile: every call succeeds", postgres, c => c.Result.Outcome == Outcome.Ok, down);
        if (resolved.Count == 0 || passed.Count == 0)
        {
            violations.Add($"too few calls of the Neo4j pair wholly within the fault to judge: {resolved.Count} team/OAuth resolved, {passed.Count} opaque/turn");
        }

        var recovery = Recovery(violations, Between(neo4j, back, Now), back);
        return new Row($"Neo4j black-holed for {outage.TotalSeconds:0} s (accepts, never answers, never closes) on both edges of a third pair, " +
                       $"auth-service-{pair.Replica} and mcp-host-{pair.Replica}, whose library store it is (the stand-in Neo4j)",
            "tools answer \"library store unavailable\"; team/OAuth 503 `unavailable` once their cached scope is gone; never a 500 or a pass; " +
            $"no call over 7 s (Neo4j statements time out at {Neo4jPair.StatementTimeoutSeconds} s); full service ≤ 5 s after, no restart; " +
            "revocations honoured; the Postgres pairs unaffected",
            $"{during.Count} calls through mcp-host-{pair.Replica}: {Counts(during)}; team and OAuth after the caches emptied: {Counts(resolved)} " +
            $"(auth-service-{pair.Replica} itself: {resolves.Count(r => r.Outcome == Outcome.Unavailable)}/{resolves.Count} 503); " +
            $"the Postgres pairs: {Counts(postgres)}; slowest {Slowest(calls):0.00} s; {revoked}; full service {recovery:0.0} s after",
            violations);
    }
}
