using System.Diagnostics;
using System.Globalization;
using System.Text;
using Mnemosyne.Testing;
using Outcome = Mnemosyne.Bench.Chaos.ToolCall.Outcome;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// <c>bench -- chaos</c> (issue 14): the services as separate processes (<see cref="ChaosCluster"/>) under steady load
/// (<see cref="ChaosLoad"/>), one fault at a time, each judged against what it must and must not do; then the usage
/// counts the kills may have cost, then a soak (<see cref="SoakRun"/>). Prints one table; any violation makes the exit
/// code 1. The faults live in the other parts of this class, one file per family.
/// </summary>
public sealed partial class ChaosRun
{
    /// <summary>Steady load before each fault, checked to be all successes.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    /// <summary>What "recovers" must mean: every call started this long after the dependency is back succeeds.</summary>
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(5);

    /// <summary>How long the load is watched after a dependency is back (longer than <see cref="RecoveryLimit"/>).</summary>
    private static readonly TimeSpan Aftermath = TimeSpan.FromSeconds(8);

    private readonly ChaosCluster _cluster;
    private readonly IReadOnlyList<HttpClient> _mcpHosts;
    private readonly ChaosLoad _load;
    private readonly List<ChaosLoad.LoadCall> _history = [];

    private ChaosRun(ChaosCluster cluster, IReadOnlyList<HttpClient> mcpHosts, ChaosLoad load)
    {
        _cluster = cluster;
        _mcpHosts = mcpHosts;
        _load = load;
    }

    /// <summary>One line of the table: the fault, what it must do, what was seen, and every way it fell short.</summary>
    public sealed record Row(string Fault, string Required, string Observed, IReadOnlyList<string> Violations);

    /// <summary>The names <c>--only</c> accepts, in the order they run: each fault, then <c>usage</c> and <c>soak</c>.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "postgres-stopped", "redis-stopped", "auth-service-killed", "mcp-host-killed", "library-store-unreachable", "revocations",
        "wire-redis-partition", "wire-redis-black-hole", "wire-auth-latency", "wire-redis-jitter", "wire-postgres-resets",
//#if (LibraryStore != "postgres")
        "wire-neo4j-black-hole",
//#endif
        "usage", "soak",
    ];

    /// <summary>
    /// The faults' rows, then the usage and soak rows, and the soak's own table of steps (empty without a soak).
    /// <paramref name="only"/> (names of <see cref="Names"/>) runs a subset; <paramref name="wireOutage"/> is how
    /// long each wire fault lasts.
    /// </summary>
    public static async Task<(IReadOnlyList<Row> Rows, string SoakTable)> RunAsync(
        ChaosCluster cluster, int clients, TimeSpan soak, IReadOnlySet<string> only, TimeSpan wireOutage, Action<string> progress)
    {
        var mcpHosts = cluster.McpHosts.Select(h => ToolCall.ClientFor(h.Address)).ToList();
        try
        {
            await using var load = ChaosLoad.Start(mcpHosts, cluster.Tokens, clients);
            var run = new ChaosRun(cluster, mcpHosts, load) { WireOutage = wireOutage };
            var rows = new List<Row>();
            var faults = new (string Name, Func<Task<Row>> Run)[]
            {
                ("postgres-stopped", run.PostgresStoppedAsync),
                ("redis-stopped", run.RedisStoppedAsync),
                ("auth-service-killed", run.AuthServiceKilledAsync),
                ("mcp-host-killed", run.McpHostKilledAsync),
                ("library-store-unreachable", run.LibraryStoreUnreachableAsync),
                ("revocations", run.RevocationsAsync),
                ("wire-redis-partition", run.RedisPartitionAsync),
                ("wire-redis-black-hole", run.RedisBlackHoleAsync),
                ("wire-auth-latency", run.AuthServiceLatencyAsync),
                ("wire-redis-jitter", run.RedisJitterAsync),
                ("wire-postgres-resets", run.PostgresResetsAsync),
//#if (LibraryStore != "postgres")
                ("wire-neo4j-black-hole", run.Neo4jBlackHoleAsync),
//#endif
            };
            await Task.Delay(Settle);
            foreach (var (name, fault) in faults.Where(f => only.Contains(f.Name)))
            {
                progress(name + "...");
                rows.Add(await fault());
            }

            await load.StopAsync();
            if (only.Contains("usage"))
            {
                progress("usage counts...");
                rows.Add(await run.UsageCountsAsync());
            }

            if (!only.Contains("soak"))
            {
                return (rows, "");
            }

            progress($"soak, {soak.TotalMinutes:0.#} min...");
            var (soakRow, soakTable) = await SoakRun.RunAsync(cluster, mcpHosts, clients, soak, progress);
            rows.Add(soakRow);
            return (rows, soakTable);
        }
        finally
        {
            foreach (var client in mcpHosts)
            {
                client.Dispose();
            }
        }
    }

    public static string Table(IReadOnlyList<Row> rows)
    {
        var table = new StringBuilder("| fault | required | observed | held |\n| --- | --- | --- | --- |\n");
        foreach (var row in rows)
        {
            table.Append(CultureInfo.InvariantCulture, $"| {row.Fault} | {row.Required} | {row.Observed} | {(row.Violations.Count == 0 ? "yes" : "**NO**")} |\n");
        }

        foreach (var row in rows.Where(r => r.Violations.Count > 0))
        {
            table.Append(CultureInfo.InvariantCulture, $"\n{row.Fault}, violations:\n").AppendJoin('\n', row.Violations.Select(v => "  - " + v)).Append('\n');
        }

        return table.ToString();
    }

    private static long Now => Stopwatch.GetTimestamp();

    private static double Seconds(long from, long to) => (to - from) / (double)Stopwatch.Frequency;

    private static long After(long timestamp, TimeSpan span) => timestamp + (long)(span.TotalSeconds * Stopwatch.Frequency);

    /// <summary>The calls finished since the last take, kept for later checks (the usage counts look back past a kill).</summary>
    private List<ChaosLoad.LoadCall> TakeCalls()
    {
        var calls = _load.Drain();
        _history.AddRange(calls);
        return calls;
    }

    /// <summary>
    /// Lets the load run for <see cref="Settle"/> and checks it all succeeded: each fault starts from full service.
    /// Answers those calls (the unfaulted run a latency fault is compared with).
    /// </summary>
    private async Task<List<ChaosLoad.LoadCall>> SettleAsync(List<string> violations, ChaosLoad? also = null)
    {
        TakeCalls();
        also?.Drain();
        await Task.Delay(Settle);
        var calls = TakeCalls();
        var alsoCalls = also?.Drain() ?? [];
        Expect(violations, "before the fault, every call succeeds", calls.Concat(alsoCalls), c => c.Result.Outcome == Outcome.Ok);
        if (calls.Count == 0 || (also is not null && alsoCalls.Count == 0))
        {
            violations.Add("before the fault: no call finished in " + Settle.TotalSeconds + " s");
        }

        return calls;
    }

    /// <summary>Adds a violation naming how many of <paramref name="calls"/> broke <paramref name="rule"/>, with a few examples.</summary>
    private static void Expect(
        List<string> violations, string rule, IEnumerable<ChaosLoad.LoadCall> calls, Func<ChaosLoad.LoadCall, bool> holds, long? fault = null)
    {
        var broken = calls.Where(c => !holds(c)).ToList();
        if (broken.Count > 0)
        {
            var when = fault is { } at
                ? $" (started {Seconds(at, broken.Min(c => c.Result.Started)):0.00} to {Seconds(at, broken.Max(c => c.Result.Started)):0.00} s after the fault)"
                : "";
            violations.Add($"{rule}: {broken.Count} calls did not{when}, e.g. " + string.Join("; ", broken.Take(3).Select(Describe)));
        }
    }

    private static void Expect(List<string> violations, string rule, IEnumerable<ToolCall.Result> results, Func<ToolCall.Result, bool> holds) =>
        Expect(violations, rule, results.Select(r => new ChaosLoad.LoadCall(-1, "probe", r)), c => holds(c.Result));

    private static string Describe(ChaosLoad.LoadCall call) =>
        $"mcp-host-{call.Host} {call.Kind} {call.Result.Outcome} {(call.Result.Detail.Length <= 120 ? call.Result.Detail : call.Result.Detail[..120] + "…")}".Trim();

    /// <summary>
    /// Seconds from <paramref name="back"/> until every later call (of <paramref name="calls"/>) succeeded; a violation
    /// when that took longer than <see cref="RecoveryLimit"/> or when some host and kind never succeeded afterwards.
    /// </summary>
    private static double Recovery(List<string> violations, IReadOnlyCollection<ChaosLoad.LoadCall> calls, long back)
    {
        var lastFailure = calls.Where(c => c.Result.Started >= back && c.Result.Outcome != Outcome.Ok)
            .Select(c => c.Result.Started).DefaultIfEmpty(back).Max();
        var seconds = Seconds(back, lastFailure);
        if (seconds > RecoveryLimit.TotalSeconds)
        {
            var late = calls.Where(c => c.Result.Outcome != Outcome.Ok && Seconds(back, c.Result.Started) > RecoveryLimit.TotalSeconds).ToList();
            violations.Add($"full service {seconds:0.0} s after the dependency was back (at most {RecoveryLimit.TotalSeconds} s); " +
                $"{late.Count} calls failed later than that, e.g. " + string.Join("; ", late.TakeLast(3).Select(Describe)));
        }

        foreach (var group in calls.GroupBy(c => (c.Host, c.Kind)))
        {
            if (!group.Any(c => c.Result.Started > lastFailure && c.Result.Outcome == Outcome.Ok))
            {
                violations.Add($"mcp-host-{group.Key.Host} {group.Key.Kind}: no successful call after recovery");
            }
        }

        return seconds;
    }

    /// <summary>Calls that started and ended inside [<paramref name="from"/>, <paramref name="to"/>]: wholly during a fault.</summary>
    private static List<ChaosLoad.LoadCall> Within(IEnumerable<ChaosLoad.LoadCall> calls, long from, long to) =>
        [.. calls.Where(c => c.Result.Started >= from && c.Result.Ended <= to)];

    /// <summary>Calls that started inside [<paramref name="from"/>, <paramref name="to"/>).</summary>
    private static List<ChaosLoad.LoadCall> Between(IEnumerable<ChaosLoad.LoadCall> calls, long from, long to) =>
        [.. calls.Where(c => c.Result.Started >= from && c.Result.Started < to)];

    private static string Counts(IReadOnlyCollection<ChaosLoad.LoadCall> calls) =>
        string.Join(", ", calls.GroupBy(c => c.Result.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Label(g.Key)}"));

    private static string Label(Outcome outcome) => outcome switch
    {
        Outcome.Ok => "ok",
        Outcome.StoreUnavailable => "\"library store unavailable\"",
        Outcome.Unavailable => "503",
        Outcome.Refused => "refused",
        Outcome.Wrong => "WRONG",
        _ => "unreachable",
    };

    /// <summary>
    /// Asks auth-service <c>i</c> directly (<c>/v1/resolve</c>, as mcp-host does on a miss) about each of
    /// <paramref name="bearers"/>, alternating replicas (or only <paramref name="only"/>): what it answers itself,
    /// which mcp-host may translate.
    /// </summary>
    private async Task<List<ToolCall.Result>> ResolvesAsync(IEnumerable<string> bearers, AuthApi? only = null)
    {
        var results = new List<ToolCall.Result>();
        foreach (var (bearer, i) in bearers.Select((b, i) => (b, i)))
        {
            var started = Now;
            var reply = await (only ?? _cluster.Auth(i % _cluster.AuthServices.Count)).ResolveAsync(bearer, "search");
            var reason = reply.Body.ValueKind == System.Text.Json.JsonValueKind.Object && reply.Body.TryGetProperty("reason", out var code)
                ? code.GetString() ?? "" : "";
            var outcome = reply.Status == System.Net.HttpStatusCode.OK ? Outcome.Ok : ToolCall.Refusal((int)reply.Status, reason);
            results.Add(new ToolCall.Result(outcome, $"/v1/resolve {(int)reply.Status} {reason}", started, Now));
        }

        return results;
    }

    /// <summary>
    /// Calls with each of <paramref name="bearers"/> once, in turn through both mcp-hosts, one every 200 ms for
    /// <paramref name="duration"/>: each is a first call, so no cache can answer it.
    /// </summary>
    private async Task<List<ToolCall.Result>> FirstCallsAsync(List<string> bearers, TimeSpan duration) =>
        [.. (await MissesAsync(bearers, duration)).Select(c => c.Result)];

    /// <summary><see cref="FirstCallsAsync"/>, each call recorded with its mcp-host as the load's are (kind <c>new token</c>).</summary>
    private async Task<List<ChaosLoad.LoadCall>> MissesAsync(List<string> bearers, TimeSpan duration)
    {
        var calls = new List<ChaosLoad.LoadCall>();
        var until = After(Now, duration);
        for (var i = 0; i < bearers.Count && Now < until; i++)
        {
            var host = i % _mcpHosts.Count;
            calls.Add(new(host, "new token", await ToolCall.SendAsync(_mcpHosts[host], bearers[i], "search", """{"query":"replication"}""")));
            await Task.Delay(200);
        }

        return calls;
    }
}
