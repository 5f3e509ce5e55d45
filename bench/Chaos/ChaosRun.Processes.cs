using Mnemosyne.Testing;
using Outcome = Mnemosyne.Bench.Chaos.ToolCall.Outcome;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// The faults of the services themselves: an auth-service and an mcp-host killed with SIGKILL and started again, and
/// the usage counts such kills may lose (at most what the killed process had not flushed yet).
/// </summary>
public sealed partial class ChaosRun
{
    private static readonly TimeSpan Down = TimeSpan.FromSeconds(5);

    /// <summary>mcp-host sends cached usage every 5 s, auth-service writes usage every 5 s (<c>Auth__UsageFlushSeconds</c>); plus 1 s of timer slack each.</summary>
    private static readonly TimeSpan McpHostUsageWindow = TimeSpan.FromSeconds(6);

    private static readonly TimeSpan AuthServiceUsageWindow = TimeSpan.FromSeconds(12);

    /// <summary>Opaque calls that passed the gate through a killed process within its flush window before the kill: what may be lost.</summary>
    private long _usageAtRisk;

    private async Task<Row> AuthServiceKilledAsync()
    {
        var violations = new List<string>();
        var (calls, killed, restarting, back) = await KillAndRestartAsync(_cluster.AuthServices[0], host: 0, AuthServiceUsageWindow, violations);

        var during = Within(calls, killed, back);
        Expect(violations, "the other mcp-host and auth-service keep serving", Between(calls, killed, Now).Where(c => c.Host == 1),
            c => c.Result.Outcome == Outcome.Ok);
        Expect(violations, "the affected mcp-host answers from its cache or 503, never 5xx", during.Where(c => c.Host == 0),
            c => c.Result.Outcome is Outcome.Ok or Outcome.Unavailable);
        Expect(violations, "no wrong answer", calls, c => c.Result.Outcome != Outcome.Wrong);
        var recovery = Recovery(violations, Between(calls, back, Now), back);
        return new Row("auth-service-0 killed (SIGKILL), restarted 5 s later",
            "the other keeps serving; the affected mcp-host: no 5xx, 503 on misses; usage lost only within the flush window",
            $"mcp-host-0 while down: {Counts(during.Where(c => c.Host == 0).ToList())}; mcp-host-1: {Counts(during.Where(c => c.Host == 1).ToList())}; " +
            $"restart took {Seconds(restarting, back):0.0} s; full service {recovery:0.0} s after",
            violations);
    }

    private async Task<Row> McpHostKilledAsync()
    {
        var violations = new List<string>();
        var (calls, killed, restarting, back) = await KillAndRestartAsync(_cluster.McpHosts[1], host: 1, McpHostUsageWindow, violations);

        var cut = calls.Count(c => c.Host == 1 && c.Result.Started < killed && c.Result.Outcome == Outcome.Transport);
        Expect(violations, "clients of the other mcp-host are unaffected", Between(calls, killed, Now).Where(c => c.Host == 0),
            c => c.Result.Outcome == Outcome.Ok);
        Expect(violations, "the killed mcp-host's clients: unreachable, never a wrong answer", Within(calls, killed, restarting).Where(c => c.Host == 1),
            c => c.Result.Outcome is Outcome.Transport);
        if (cut == 0)
        {
            violations.Add("no call was in flight when mcp-host-1 was killed");
        }

        var recovery = Recovery(violations, Between(calls, back, Now).Where(c => c.Host == 1).ToList(), back);
        return new Row("mcp-host-1 killed (SIGKILL) mid-request, restarted 5 s later",
            "clients of the other mcp-host unaffected",
            $"{cut} calls cut mid-request; mcp-host-0 meanwhile: {Counts(Between(calls, killed, Now).Where(c => c.Host == 0).ToList())}; " +
            $"mcp-host-1 serving again {recovery:0.0} s after its restart",
            violations);
    }

    /// <summary>
    /// Kills <paramref name="process"/> (SIGKILL) once the cluster has settled, starts it again after <see cref="Down"/>
    /// and lets <see cref="Aftermath"/> pass. What went through mcp-host <paramref name="host"/> within
    /// <paramref name="usageWindow"/> before the kill is added to the usage it may lose. The calls made meanwhile, and
    /// when it was killed, restarted and back.
    /// </summary>
    private async Task<(List<ChaosLoad.LoadCall> Calls, long Killed, long Restarting, long Back)> KillAndRestartAsync(
        ServiceProcess process, int host, TimeSpan usageWindow, List<string> violations)
    {
        await SettleAsync(violations);
        var killed = Now;
        process.Kill();
        await Task.Delay(Down);
        var restarting = Now;
        await process.StartAgainAsync();
        var back = Now;
        await Task.Delay(Aftermath);
        var calls = TakeCalls();
        _usageAtRisk += OpaquePassed(host, killed, usageWindow);
        return (calls, killed, restarting, back);
    }

    /// <summary>
    /// With the load stopped and every flush window passed: the opaque token's recorded uses against the calls that
    /// passed the gate with it. Fewer is allowed only up to what the kills put at risk.
    /// </summary>
    private async Task<Row> UsageCountsAsync()
    {
        TakeCalls();
        await Task.Delay(AuthServiceUsageWindow);
        var violations = new List<string>();
        var passed = _history.LongCount(c => c.Kind == "opaque" && c.Result.PassedGate);
        var recorded = await UseCountAsync(_cluster.Tokens["opaque"]);
        var lost = passed - recorded;
        if (lost > _usageAtRisk)
        {
            violations.Add($"{lost} uses lost, more than the {_usageAtRisk} made within the flush windows before the kills");
        }

        return new Row("usage counts after the kills",
            "no usage lost beyond the flush window (5 s in mcp-host, `Auth__UsageFlushSeconds` in auth-service)",
            $"{passed} opaque calls passed the gate, {recorded} recorded: {Math.Max(0, lost)} lost (at most {_usageAtRisk} were at risk)" +
            (lost < 0 ? $", {-lost} more recorded than seen (calls the gate resolved but the client saw time out)" : ""),
            violations);
    }

    private long OpaquePassed(int host, long killed, TimeSpan window) =>
        _history.LongCount(c => c.Host == host && c.Kind == "opaque" && c.Result.PassedGate
                                && c.Result.Ended >= After(killed, -window)
                                && c.Result.Started < killed);

    private async Task<long> UseCountAsync(string token)
    {
        var reply = await _cluster.Auth(1).AdminAsync(HttpMethod.Get, "/admin/v1/tokens");
        // The listing shows each token's prefix (its first 12 characters, 8 of them random): enough to find this one.
        var row = reply.Body.EnumerateArray().Single(t => token.StartsWith(t.GetProperty("prefix").GetString()!, StringComparison.Ordinal));
        return row.GetProperty("useCount").GetInt64();
    }
}
