using System.Collections.Concurrent;
using Mnemosyne.Testing;
using Outcome = Mnemosyne.Bench.Chaos.ToolCall.Outcome;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// Every kind of revocation CONTRACT §9 names, and the three that end the authorization server's tokens (a grant
/// revoked, a client blocked, a user deactivated; each on a fresh sign-in), each made through the other replica while the load runs and four more
/// callers (two per mcp-host) use the credential being revoked with warm caches: no call of theirs that started
/// after the admin call answered may be allowed, or, for a narrowing change, still see what was taken away.
/// The scenarios (<see cref="RevocationScenarios"/>) are the ones <c>RevocationUnderLoadTests</c> runs in one process;
/// here the replicas are separate processes.
/// </summary>
public sealed partial class ChaosRun
{
    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(10);

    private async Task<Row> RevocationsAsync()
    {
        var violations = new List<string>();
        var (later, stale) = (0, 0);
        TakeCalls();
        using var firstLibraries = _cluster.LibraryAdmin(0);
        using var secondLibraries = _cluster.LibraryAdmin(1);
        foreach (var kind in RevocationScenarios.Kinds.Concat(RevocationScenarios.AuthorizationServerKinds))
        {
            var revocation = RevocationScenarios.AuthorizationServerKinds.Contains(kind)
                ? RevocationScenarios.ArrangeSignedIn(kind, _cluster.Auth(1), await _cluster.SignInAsync())
                : await RevocationScenarios.ArrangeAsync(kind, _cluster.Auth(0), _cluster.Auth(1),
                    new(firstLibraries), new(secondLibraries), DateTimeOffset.UtcNow);
            var (results, answered) = await RevokeUnderLoadAsync(kind, revocation, violations);
            var after = results.Where(r => r.Started > answered).ToList();
            var allowed = after.Count(r => RevocationScenarios.IsStale(revocation, r.PassedGate, r.Detail));
            (later, stale) = (later + after.Count, stale + allowed);
            if (after.Count < 4)
            {
                violations.Add($"{kind}: only {after.Count} calls started after the admin call answered");
            }

            if (allowed > 0)
            {
                violations.Add($"{kind}: {allowed} of {after.Count} calls started after the admin call answered were allowed");
            }
        }

        // The load's own calls: refused only while the service user (whose JWTs its turn and team callers use) is off.
        Expect(violations, "the load meanwhile: every call succeeds, or is refused for the deactivated service user", TakeCalls(),
            c => c.Result.Outcome is Outcome.Ok || c.Result is { Outcome: Outcome.Refused, Detail: "service_user_unavailable" });
        return new Row($"every kind of revocation during load ({RevocationScenarios.Kinds.Count} kinds, and " +
                       $"{RevocationScenarios.AuthorizationServerKinds.Count} of the authorization server's tokens)",
            "0 calls started after the admin call answered are allowed",
            $"{later} calls started after the admin calls answered, {stale} allowed",
            violations);
    }

    private async Task<(List<ToolCall.Result> Results, long Answered)> RevokeUnderLoadAsync(
        string kind, RevocationScenarios.Scenario revocation, List<string> violations)
    {
        var results = new ConcurrentQueue<(int Host, ToolCall.Result Result)>();
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                results.Enqueue((i % 2, await ToolCall.SendAsync(_mcpHosts[i % 2], revocation.Bearer, "list_libraries", "{}")));
            }
        })).ToList();

        var warmUntil = After(Now, WarmUpLimit);
        while (Now < warmUntil && !Enumerable.Range(0, 2).All(host => results.Count(r => r.Host == host && r.Result.PassedGate) >= 4))
        {
            await Task.Delay(20);
        }

        if (Now >= warmUntil)
        {
            violations.Add($"{kind}: the credential was not allowed through both mcp-hosts before revoking");
        }

        var revoked = await revocation.Revoke();
        var answered = Now;
        if (!revoked.Succeeded)
        {
            violations.Add($"{kind}: the admin call answered {(int)revoked.Status} {revoked.Body}");
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await Task.WhenAll(callers);
        if (revocation.Restore is not null)
        {
            await revocation.Restore();
        }

        return ([.. results.Select(r => r.Result)], answered);
    }
}
