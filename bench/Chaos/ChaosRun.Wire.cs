using Mnemosyne.Testing;
using Outcome = Mnemosyne.Bench.Chaos.ToolCall.Outcome;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// The faults on the wire between healthy processes (issue 23), each put on the <see cref="FaultProxy"/> edges of
/// <see cref="ChaosCluster.Edges"/> while the load runs, with <see cref="WireRevocations"/> revoked during it: one
/// replica's one-way partition from Redis, Redis black-holed, auth-service answering 800 ms late, Redis answering
/// with jittered latency, and Postgres connections reset mid-response.
/// </summary>
public sealed partial class ChaosRun
{
    /// <summary>
    /// The longest any call may take under a wire fault: mcp-host's wait for auth-service
    /// (<c>Mcp__AuthTimeoutMilliseconds</c>, 5 s by default and here), plus one Redis command's timeout in mcp-host
    /// itself (1 s, <c>RedisConnections</c>), plus 1 s for scheduling on a loaded two-core machine.
    /// </summary>
    private static readonly TimeSpan CallLimit = TimeSpan.FromSeconds(7);

    private static readonly TimeSpan AuthLatency = TimeSpan.FromMilliseconds(800);

    /// <summary>How long each wire fault lasts (<c>--wire-seconds</c>); CI runs shorter ones.</summary>
    public TimeSpan WireOutage { get; init; } = TimeSpan.FromSeconds(8);

    private async Task<Row> RedisPartitionAsync()
    {
        var edges = _cluster.EdgesTo("redis", from: "mcp-host-1");
        var (violations, calls, down, _, back, revoked) = await UnderWireFaultAsync(edges, WireFault.Partition, probe: null);
        var during = Within(calls, down, back);
        Expect(violations, "while mcp-host-1 is cut off from Redis: every call through either mcp-host succeeds", during,
            c => c.Result.Outcome == Outcome.Ok, down);
        var recovery = Recovery(violations, Between(calls, back, Now), back);
        return new Row($"mcp-host-1 → Redis one-way partition for {WireOutage.TotalSeconds:0} s (its commands arrive, no answer or message comes back); mcp-host-0 unaffected",
            "a revocation during the cut is honoured by both mcp-hosts (mcp-host-1 stops trusting its cache within its lease); every call succeeds (misses go to auth-service); no call over 7 s",
            $"{during.Count} calls during the cut: {Counts(during)}; slowest {Slowest(calls):0.00} s; {revoked}; full service {recovery:0.0} s after",
            violations);
    }

    private async Task<Row> RedisBlackHoleAsync()
    {
        var edges = _cluster.EdgesTo("redis");
        var (violations, calls, down, _, back, revoked) = await UnderWireFaultAsync(edges, WireFault.BlackHole, probe: null);
        var during = Within(calls, down, back);
        var untrusted = Within(during, After(down, CacheLeaseEnd), back);
        Expect(violations, "while Redis is black-holed: opaque, team and OAuth calls keep working (budgets fall back to each replica's share)",
            during.Where(c => c.Kind != "turn"), c => c.Result.Outcome == Outcome.Ok, down);
        Expect(violations, "while Redis is black-holed: turn JWTs 503 unavailable once the cache lease has ended (their replay check needs Redis)",
            untrusted.Where(c => c.Kind == "turn"), c => c.Result.Outcome == Outcome.Unavailable, down);
        var recovery = Recovery(violations, Between(calls, back, Now), back);
        return new Row($"Redis black-holed for {WireOutage.TotalSeconds:0} s on every edge (accepts, never answers, never closes)",
            "no call over 7 s (auth timeout + one Redis timeout); opaque, team, OAuth keep working on local budgets; turn JWTs 503, nothing opens; full service ≤ 5 s after",
            $"{during.Count} calls: {Counts(during.Where(c => c.Kind != "turn").ToList())} (opaque, team, OAuth); turn after the lease: " +
            $"{Counts(untrusted.Where(c => c.Kind == "turn").ToList())}; slowest {Slowest(calls):0.00} s; {revoked}; full service {recovery:0.0} s after",
            violations);
    }

    private async Task<Row> AuthServiceLatencyAsync()
    {
        var edges = _cluster.EdgesTo("auth-service");
        var fresh = await FreshOpaqueTokensAsync(FirstCalls);
        var firstCalls = new List<ToolCall.Result>();
        var (violations, calls, down, revoking, back, revoked) = await UnderWireFaultAsync(edges, WireFault.Latency(AuthLatency),
            probe: async () => firstCalls.AddRange(await FirstCallsAsync(fresh, WireOutage - TimeSpan.FromSeconds(3))), revokeLast: true);
        var during = Within(calls, down, back);
        // Opaque and turn decisions stay cached for the whole run (team and OAuth scopes are re-resolved every
        // Mcp__LibraryScopeCacheSeconds, so some of theirs are misses); the revocations come last.
        var cached = Within(during, down, revoking).Where(c => c.Kind is "opaque" or "turn").ToList();
        var (before, meanwhile) = (P99(_unfaulted.Where(c => c.Kind is "opaque" or "turn")), P99(cached));
        // 2× the unfaulted p99, plus 10 ms of noise floor (a p99 of a few ms on a shared two-core machine moves by that much).
        if (meanwhile > 2 * before + 10)
        {
            violations.Add($"cached calls' p99 {meanwhile:0.0} ms with auth-service slow, more than 2× the unfaulted {before:0.0} ms");
        }

        Expect(violations, "while auth-service answers 800 ms late: every call succeeds", during, c => c.Result.Outcome == Outcome.Ok, down);
        Expect(violations, "first calls of new tokens (misses): succeed, slower than the added latency, within mcp-host's auth timeout", firstCalls,
            r => r.Outcome == Outcome.Ok && Seconds(r.Started, r.Ended) >= AuthLatency.TotalSeconds && Seconds(r.Started, r.Ended) < 5);
        var recovery = Recovery(violations, Between(calls, back, Now), back);
        var misses = firstCalls.Select(r => Seconds(r.Started, r.Ended) * 1000).Order().ToList();
        return new Row($"auth-service answers 800 ms late for {WireOutage.TotalSeconds:0} s (both mcp-hosts' edges)",
            "cached calls unaffected (p99 ≤ 2× unfaulted); misses slow but within the 5 s auth timeout; no thread-pool starvation; revocations honoured",
            $"cached p99 {before:0.0} ms unfaulted → {meanwhile:0.0} ms; {during.Count} calls: {Counts(during)}; " +
            $"{firstCalls.Count(r => r.Outcome == Outcome.Ok)}/{firstCalls.Count} misses ok, {(misses.Count > 0 ? misses[0] : 0):0} to {(misses.Count > 0 ? misses[^1] : 0):0} ms; " +
            $"{revoked}; full service {recovery:0.0} s after",
            violations);
    }

    private async Task<Row> RedisJitterAsync()
    {
        var edges = _cluster.EdgesTo("redis");
        var fault = WireFault.Latency(TimeSpan.FromMilliseconds(20), jitter: TimeSpan.FromMilliseconds(300));
        var (violations, calls, down, _, back, revoked) = await UnderWireFaultAsync(edges, fault, probe: null);
        var during = Within(calls, down, back);
        Expect(violations, "while Redis answers 20–320 ms late: every call succeeds, or a turn JWT 503s (its replay check may time out)", during,
            c => c.Result.Outcome == Outcome.Ok || (c.Kind == "turn" && c.Result.Outcome == Outcome.Unavailable), down);
        var recovery = Recovery(violations, Between(calls, back, Now), back);
        return new Row($"Redis answers 20–320 ms late (uniform jitter) for {WireOutage.TotalSeconds:0} s on every edge",
            "calls succeed, slower; no call over 7 s; revocations honoured (leases renew within their 2 s)",
            $"{during.Count} calls: {Counts(during)}; p99 {P99(during):0} ms, slowest {Slowest(calls):0.00} s; {revoked}; full service {recovery:0.0} s after",
            violations);
    }

    private async Task<Row> PostgresResetsAsync()
    {
        var edges = _cluster.EdgesTo("postgres");
        var fresh = await FreshOpaqueTokensAsync(FirstCalls + MissesAfter);
        var (firstCalls, resolves, misses) = (new List<ToolCall.Result>(), new List<ToolCall.Result>(), new List<ChaosLoad.LoadCall>());
        var (violations, calls, down, _, back, revoked) = await UnderWireFaultAsync(edges, WireFault.ResetAfter(64), probe: async () =>
        {
            // At once, so they end within the fault (each waits out a reconnect or two).
            var asked = fresh[..Resolves].Select(bearer => ResolvesAsync([bearer])).ToList();
            firstCalls.AddRange(await FirstCallsAsync(fresh[Resolves..FirstCalls], WireOutage - TimeSpan.FromSeconds(3)));
            resolves.AddRange((await Task.WhenAll(asked)).SelectMany(r => r));
        }, afterwards: async () => misses.AddRange(await MissesAsync(fresh[FirstCalls..], Aftermath - TimeSpan.FromSeconds(1))));
        var during = Within(calls, down, back);
        // Unlike the Postgres-stopped row, cached turn JWTs are not required to keep passing: on this loaded machine
        // mcp-host's cache lease can lapse for a moment, and a turn JWT asked of auth-service then rightly 503s.
        // Every search reads librarydb, every connection to which is now reset: a result would mean the fault did not bite.
        Expect(violations, "while Postgres connections are reset: \"library store unavailable\" or 503 unavailable, never a result", during,
            c => c.Result.Outcome is Outcome.StoreUnavailable or Outcome.Unavailable, down);
        Expect(violations, "first calls of new opaque tokens: 503 unavailable", firstCalls, r => r.Outcome == Outcome.Unavailable);
        Expect(violations, "auth-service itself, asked about new opaque tokens: 503 unavailable", resolves, r => r.Outcome == Outcome.Unavailable);
        Expect(violations, "first calls of new opaque tokens after the fault: a result, or 503 unavailable while Postgres reconnects", misses,
            c => c.Result.Outcome is Outcome.Ok or Outcome.Unavailable, back);
        // The load's calls after the fault are mostly cache hits, which need only mcp-host's librarydb; misses need
        // auth-service's authdb too, so they show both services' pools recovered.
        var recovery = Recovery(violations, [.. Between(calls, back, Now), .. misses], back);
        return new Row($"Postgres connections reset (RST) after 64 response bytes, every edge, for {WireOutage.TotalSeconds:0} s",
            "503 `unavailable` where Postgres is needed, never a result, a 500 or a pass; full service ≤ 5 s after the fault ends, " +
            "new tokens' first calls included, no restart",
            $"{during.Count} calls: {Counts(during)}; {firstCalls.Count(r => r.Outcome == Outcome.Unavailable)}/{firstCalls.Count} first calls 503 " +
            $"(auth-service itself: {resolves.Count(r => r.Outcome == Outcome.Unavailable)}/{resolves.Count}); slowest {Slowest(calls):0.00} s; {revoked}; " +
            $"full service {recovery:0.0} s after (first calls of new tokens after: {Counts(misses)})",
            violations);
    }

    /// <summary>New tokens whose first calls, after the Postgres resets, show that misses are served again.</summary>
    private const int MissesAfter = 35;

    /// <summary>The calls of the last <see cref="SettleAsync"/>: the unfaulted run a wire fault is compared with.</summary>
    private List<ChaosLoad.LoadCall> _unfaulted = [];

    /// <summary>
    /// Who a wire fault is watched through: the mcp-hosts its revocations are warmed and watched through, the library
    /// admin APIs of the replicas they are arranged with (0 and 1), and a load besides the cluster's (the Neo4j pair's),
    /// whose calls join the window's but not the cluster's history. By default the cluster's two pairs.
    /// </summary>
    private sealed record WireScene(IReadOnlyList<HttpClient> McpHosts, Func<int, HttpClient> LibraryAdmin, ChaosLoad? Load = null);

    /// <summary>One wire fault's window: when it began, when the revocations began, when it was lifted.</summary>
    private sealed record WireWindow(List<string> Violations, List<ChaosLoad.LoadCall> Calls, long Down, long Revoking, long Back, string Revoked);

    /// <summary>
    /// Warms the revocations, settles, puts <paramref name="fault"/> on <paramref name="edges"/>, revokes at once
    /// (while caches are warm; or, with <paramref name="revokeLast"/>, 2 s before the end), runs <paramref name="probe"/>, keeps the fault for <paramref name="outage"/>
    /// (<see cref="WireOutage"/> unless given), lifts it and watches the aftermath, running <paramref name="afterwards"/>
    /// meanwhile. Judges what every wire fault must hold: no wrong answer, no call over <see cref="CallLimit"/>, the
    /// revocations. <paramref name="scene"/> says who it is watched through.
    /// </summary>
    private async Task<WireWindow> UnderWireFaultAsync(IReadOnlyList<FaultProxy> edges, WireFault fault, Func<Task>? probe,
        bool revokeLast = false, Func<Task>? afterwards = null, TimeSpan? outage = null, WireScene? scene = null)
    {
        var violations = new List<string>();
        var length = outage ?? WireOutage;
        scene ??= new WireScene(_mcpHosts, _cluster.LibraryAdmin);
        await using var revocations = await WireRevocations.WarmAsync(_cluster, scene.McpHosts, scene.LibraryAdmin, violations);
        _unfaulted = await SettleAsync(violations, scene.Load);
        foreach (var edge in edges)
        {
            edge.Set(fault);
        }

        var down = Now;
        var revoking = Now;
        if (!revokeLast)
        {
            await revocations.RevokeAsync();
        }

        if (probe is not null)
        {
            await probe();
        }

        if (revokeLast)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, length.TotalSeconds - 2 - Seconds(down, Now))));
            revoking = Now;
            await revocations.RevokeAsync();
        }

        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, length.TotalSeconds - Seconds(down, Now))));
        foreach (var edge in edges)
        {
            edge.Set(WireFault.Pass);
        }

        var back = Now;
        var aftermath = Task.Delay(Aftermath);
        if (afterwards is not null)
        {
            await afterwards();
        }

        await aftermath;
        var revoked = await revocations.JudgeAsync(violations);
        var calls = TakeCalls();
        calls.AddRange(scene.Load?.Drain() ?? []);
        Expect(violations, "no wrong answer", calls, c => c.Result.Outcome != Outcome.Wrong);
        Expect(violations, $"no call takes longer than {CallLimit.TotalSeconds:0} s", calls,
            c => Seconds(c.Result.Started, c.Result.Ended) <= CallLimit.TotalSeconds, down);
        return new(violations, calls, down, revoking, back, revoked);
    }

    private async Task<List<string>> FreshOpaqueTokensAsync(int count)
    {
        var auth = _cluster.Auth(0);
        var user = await auth.CreateUserAsync();
        var tokens = new List<string>();
        for (var i = 0; i < count; i++)
        {
            tokens.Add((await auth.CreateTokenAsync(user, [.. BenchSeed.Libraries])).Token);
        }

        return tokens;
    }

    private static double Slowest(IEnumerable<ChaosLoad.LoadCall> calls) =>
        calls.Select(c => Seconds(c.Result.Started, c.Result.Ended)).DefaultIfEmpty(0).Max();

    private static double P99(IEnumerable<ChaosLoad.LoadCall> calls)
    {
        var sorted = calls.Select(c => Seconds(c.Result.Started, c.Result.Ended) * 1000).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[(int)Math.Ceiling(0.99 * sorted.Length) - 1];
    }
}
