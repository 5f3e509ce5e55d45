using Outcome = Mnemosyne.Bench.Chaos.ToolCall.Outcome;

namespace Mnemosyne.Bench.Chaos;

/// <summary>The faults of the dependencies: Postgres stopped, Redis stopped, the library store unreachable.</summary>
public sealed partial class ChaosRun
{
    private static readonly TimeSpan PostgresOutage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(8);

    /// <summary>How long a decision cache may still be trusted after Redis goes: its replica lease (2 s), plus scheduling slack.</summary>
    private static readonly TimeSpan CacheLeaseEnd = TimeSpan.FromSeconds(2.5);

    private const int FirstCalls = 50;

    /// <summary>Of the <see cref="FirstCalls"/> fresh credentials, how many are asked of auth-service directly.</summary>
    private const int Resolves = 10;

    private async Task<Row> PostgresStoppedAsync()
    {
        var violations = new List<string>();
        var auth = _cluster.Auth(0);
        var user = await auth.CreateUserAsync();
        var fresh = new List<string>();
        for (var i = 0; i < FirstCalls; i++)
        {
            fresh.Add((await auth.CreateTokenAsync(user, [.. BenchSeed.Libraries])).Token);
        }

        await SettleAsync(violations);
        await _cluster.Postgres.StopAsync();
        var down = Now;
        var resolves = await ResolvesAsync(fresh[..Resolves]);
        var firstCalls = await FirstCallsAsync(fresh[Resolves..], PostgresOutage);
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, PostgresOutage.TotalSeconds - Seconds(down, Now))));
        var restarting = Now;
        await _cluster.Postgres.StartAgainAsync();
        var back = Now;
        await Task.Delay(Aftermath);
        var calls = TakeCalls();

        var during = Within(calls, down, restarting);
        Expect(violations, "while Postgres is down: a result, \"library store unavailable\" or 503 unavailable", during,
            c => c.Result.Outcome is Outcome.StoreUnavailable or Outcome.Unavailable);
        Expect(violations, "while Postgres is down: cached turn JWT decisions still pass the gate", during.Where(c => c.Kind == "turn"),
            c => c.Result.PassedGate);
        Expect(violations, "first calls of new opaque tokens while Postgres is down: 503 unavailable", firstCalls,
            r => r.Outcome == Outcome.Unavailable);
        Expect(violations, "auth-service itself, asked about new opaque tokens: 503 unavailable", resolves,
            r => r.Outcome == Outcome.Unavailable);
        Expect(violations, "no wrong answer", calls, c => c.Result.Outcome != Outcome.Wrong);
        var recovery = Recovery(violations, Between(calls, back, Now), back);
        return new Row("Postgres stopped for 10 s, then started",
            "503 `unavailable` where Postgres is needed, never 500 or a pass; cached turn JWTs keep passing; full service ≤ 5 s after, no restart",
            $"{during.Count} calls while down: {Counts(during)}; " +
            $"{firstCalls.Count(r => r.Outcome == Outcome.Unavailable)}/{firstCalls.Count} first calls of new tokens 503 " +
            $"(auth-service itself: {resolves.Count(r => r.Outcome == Outcome.Unavailable)}/{resolves.Count}); " +
            $"full service {recovery:0.0} s after Postgres was back",
            violations);
    }

    private async Task<Row> RedisStoppedAsync()
    {
        var violations = new List<string>();
        var fresh = new List<string>();
        for (var i = 0; i < FirstCalls; i++)
        {
            var turn = await _cluster.Auth(0).AdminAsync(HttpMethod.Post, "/admin/v1/turn-tokens",
                new { subject = "chaos-turn", libraries = BenchSeed.Libraries, ttlSeconds = 600 });
            fresh.Add(turn.Body.GetProperty("token").GetString()!);
        }

        await SettleAsync(violations);
        await _cluster.Redis.StopAsync();
        var down = Now;
        await Task.Delay(CacheLeaseEnd);
        var resolves = await ResolvesAsync(fresh[..Resolves]);
        var firstCalls = await FirstCallsAsync(fresh[Resolves..], Outage - CacheLeaseEnd);
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, Outage.TotalSeconds - Seconds(down, Now))));
        var restarting = Now;
        await _cluster.Redis.RestartAsync();
        var back = Now;
        await Task.Delay(Aftermath);
        var calls = TakeCalls();

        var during = Within(calls, down, restarting);
        var untrusted = Within(during, After(down, CacheLeaseEnd), restarting);
        Expect(violations, "while Redis is down: opaque, team and OAuth calls keep working", during.Where(c => c.Kind != "turn"),
            c => c.Result.Outcome == Outcome.Ok);
        Expect(violations, "while Redis is down: turn JWTs 503 unavailable once the cache lease has ended", untrusted.Where(c => c.Kind == "turn"),
            c => c.Result.Outcome == Outcome.Unavailable);
        Expect(violations, "first calls of new turn JWTs while Redis is down: 503 unavailable", firstCalls.Concat(resolves),
            r => r.Outcome == Outcome.Unavailable);
        Expect(violations, "no wrong answer", calls, c => c.Result.Outcome != Outcome.Wrong);
        var recovery = Recovery(violations, Between(calls, back, Now), back);
        var turns = untrusted.Where(c => c.Kind == "turn").ToList();
        return new Row("Redis stopped for 8 s, then started",
            "turn JWTs 503; opaque, team, OAuth keep working; caches no longer trusted; full service ≤ 5 s after",
            $"{during.Count} calls while down: {Counts(during.Where(c => c.Kind != "turn").ToList())} (opaque, team, OAuth); " +
            $"turn after the lease: {Counts(turns)}; first calls of new turn JWTs: " +
            $"{firstCalls.Concat(resolves).Count(r => r.Outcome == Outcome.Unavailable)}/{firstCalls.Count + resolves.Count} 503; " +
            $"full service {recovery:0.0} s after Redis was back",
            violations);
    }

    private async Task<Row> LibraryStoreUnreachableAsync()
    {
        var violations = new List<string>();
        await SettleAsync(violations);
        await _cluster.SetLibraryStoreReachableAsync(false);
        var down = Now;

        // Every cache emptied, so the next team and OAuth calls are resolved (their scope comes from the library store);
        // otherwise they would wait out their 30 s scope lifetime.
        await _cluster.EmptyEveryCacheAsync();
        var emptied = Now;
        var resolves = await ResolvesAsync([.. Enumerable.Repeat(_cluster.Tokens["team"], Resolves / 2), .. Enumerable.Repeat(_cluster.Tokens["oauth"], Resolves / 2)]);
        await Task.Delay(TimeSpan.FromSeconds(Math.Max(0, Outage.TotalSeconds - Seconds(down, Now))));
        var restoring = Now;
        await _cluster.SetLibraryStoreReachableAsync(true);
        var back = Now;
        await Task.Delay(Aftermath);
        var calls = TakeCalls();

        var during = Within(calls, down, restoring);
        Expect(violations, "while the library store is unreachable: tools answer \"library store unavailable\" or the gate 503",
            during, c => c.Result.Outcome is Outcome.StoreUnavailable or Outcome.Unavailable, down);
        var resolved = Within(during, emptied, restoring).Where(c => c.Kind is "team" or "oauth").ToList();
        Expect(violations, "team and OAuth resolution while the library store is unreachable: 503 unavailable", resolved,
            c => c.Result.Outcome == Outcome.Unavailable);
        Expect(violations, "auth-service itself, resolving team and OAuth tokens: 503 unavailable", resolves,
            r => r.Outcome == Outcome.Unavailable);
        Expect(violations, "opaque and turn calls pass the gate; their tool answers \"library store unavailable\"",
            during.Where(c => c.Kind is "opaque" or "turn"), c => c.Result.Outcome == Outcome.StoreUnavailable);
        Expect(violations, "no wrong answer", calls, c => c.Result.Outcome != Outcome.Wrong);
        var recovery = Recovery(violations, Between(calls, back, Now), back);
        return new Row("library store unreachable for 8 s (librarydb refuses connections)",
            "tools answer \"library store unavailable\"; team/OAuth resolution 503; recovery without restart",
            $"{during.Count} calls while unreachable: {Counts(during)}; team and OAuth after the caches emptied: {Counts(resolved)} " +
            $"(auth-service itself: {resolves.Count(r => r.Outcome == Outcome.Unavailable)}/{resolves.Count} 503); " +
            $"full service {recovery:0.0} s after",
            violations);
    }
}
