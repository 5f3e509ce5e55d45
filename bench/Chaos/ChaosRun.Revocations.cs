using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Mnemosyne.Testing;
using Outcome = Mnemosyne.Bench.Chaos.ToolCall.Outcome;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// Every kind of revocation CONTRACT §9 names, each made through the other replica while the load runs and four more
/// callers (two per mcp-host) use the credential being revoked with warm caches: no call of theirs that started
/// after the admin call answered may be allowed, or, for a narrowing change, still see what was taken away.
/// The same scenarios run in-process in <c>RevocationUnderLoadTests</c>; here the replicas are separate processes.
/// </summary>
public sealed partial class ChaosRun
{
    private static readonly string[] RevocationKinds =
    [
        "token deactivated", "user deactivated", "signing key retired", "service user deactivated", "team token rotated",
        "team deactivated", "team workspace removed", "library moved to another workspace", "library deleted",
    ];

    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(10);

    /// <summary>What one revocation calls with, how it revokes, what a stale answer would show, and how to undo it.</summary>
    private sealed record Revocation(string Bearer, Func<Task> Revoke, string? StaleLibrary, Func<Task>? Restore = null);

    private async Task<Row> RevocationsAsync()
    {
        var violations = new List<string>();
        var (later, stale) = (0, 0);
        TakeCalls();
        foreach (var kind in RevocationKinds)
        {
            var revocation = await ArrangeAsync(kind);
            var (results, answered) = await RevokeUnderLoadAsync(kind, revocation, violations);
            var after = results.Where(r => r.Started > answered).ToList();
            var allowed = after.Count(r => r.PassedGate && (revocation.StaleLibrary is null || r.Detail.Contains(revocation.StaleLibrary, StringComparison.Ordinal)));
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
        return new Row($"every kind of revocation during load ({RevocationKinds.Length} kinds)",
            "0 calls started after the admin call answered are allowed",
            $"{later} calls started after the admin calls answered, {stale} allowed",
            violations);
    }

    private async Task<(List<ToolCall.Result> Results, long Answered)> RevokeUnderLoadAsync(string kind, Revocation revocation, List<string> violations)
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

        await revocation.Revoke();
        var answered = Now;
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await Task.WhenAll(callers);
        if (revocation.Restore is not null)
        {
            await revocation.Restore();
        }

        return ([.. results.Select(r => r.Result)], answered);
    }

    /// <summary>A fresh credential of the kind, made through replica 0; its revocation goes through replica 1.</summary>
    private async Task<Revocation> ArrangeAsync(string kind)
    {
        var (first, second) = (_cluster.Auth(0), _cluster.Auth(1));
        var workspace = AuthApi.Unique("ws");
        var library = AuthApi.Unique("lib");
        await PutLibraryAsync(0, library, workspace);
        await first.CreateSigningKeyAsync(); // team tokens are signed with the newest key, and one kind retires a key
        switch (kind)
        {
            case "token deactivated":
            {
                var (id, token) = await first.CreateTokenAsync(await first.CreateUserAsync(), [library]);
                return new(token, () => NoContentAsync(second, $"/admin/v1/tokens/{id}/deactivate"), null);
            }

            case "user deactivated":
            {
                var user = await first.CreateUserAsync();
                var (_, token) = await first.CreateTokenAsync(user, [library]);
                return new(token, () => NoContentAsync(second, $"/admin/v1/users/{user}/deactivate"), null);
            }

            case "signing key retired":
            {
                var (kid, secret) = await first.CreateSigningKeyAsync();
                var token = TestJwt.Turn(kid, secret, DateTimeOffset.UtcNow, c => c["libs"] = new[] { library });
                return new(token, () => NoContentAsync(second, $"/admin/v1/signing-keys/{kid}/retire"), null);
            }

            case "service user deactivated":
            {
                var (kid, secret) = await first.CreateSigningKeyAsync();
                var token = TestJwt.Turn(kid, secret, DateTimeOffset.UtcNow, c => c["libs"] = new[] { library });
                return new(token, () => NoContentAsync(second, "/admin/v1/users/daedalus-service/deactivate"), null,
                    Restore: () => NoContentAsync(first, "/admin/v1/users/daedalus-service/activate"));
            }

            case "team token rotated":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await first.MintTeamTokenAsync(team), () => second.MintTeamTokenAsync(team), null);
            }

            case "team deactivated":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await first.MintTeamTokenAsync(team), () => NoContentAsync(second, $"/admin/v1/teams/{team}/deactivate"), null);
            }

            case "team workspace removed":
            {
                var kept = AuthApi.Unique("ws");
                await PutLibraryAsync(0, AuthApi.Unique("lib"), kept);
                var team = await first.CreateTeamAsync(workspace, kept);
                return new(await first.MintTeamTokenAsync(team),
                    () => NoContentAsync(second, $"/admin/v1/teams/{team}/workspaces", HttpMethod.Put, new { workspaces = new[] { kept } }),
                    library);
            }

            case "library moved to another workspace":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await first.MintTeamTokenAsync(team), () => PutLibraryAsync(1, library, AuthApi.Unique("ws")), library);
            }

            case "library deleted":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await first.MintTeamTokenAsync(team), () => DeleteLibraryAsync(1, library), library);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown revocation");
        }
    }

    private async Task PutLibraryAsync(int replica, string library, string workspace)
    {
        using var admin = _cluster.LibraryAdmin(replica);
        using var response = await admin.PutAsJsonAsync($"/admin/v1/libraries/{library}", new { name = library, workspace });
        Succeeded(response, $"PUT library {library}");
    }

    private async Task DeleteLibraryAsync(int replica, string library)
    {
        using var admin = _cluster.LibraryAdmin(replica);
        using var response = await admin.DeleteAsync(new Uri($"/admin/v1/libraries/{library}", UriKind.Relative));
        Succeeded(response, $"DELETE library {library}");
    }

    private static void Succeeded(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what}: HTTP {(int)response.StatusCode}");
        }
    }

    private static async Task NoContentAsync(AuthApi api, string path, HttpMethod? method = null, object? body = null)
    {
        var reply = await api.AdminAsync(method ?? HttpMethod.Post, path, body ?? new { });
        if (reply.Status != HttpStatusCode.NoContent)
        {
            throw new InvalidOperationException($"{path}: {(int)reply.Status} {reply.Body}");
        }
    }
}
