using System.Collections.Concurrent;
using System.Diagnostics;
using Mnemosyne.Testing;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// Revocations made while a wire fault is in force (issue 23): a few kinds of CONTRACT §9, each arranged and its
/// caches warmed through the mcp-hosts the fault is about before it (four callers per credential, shared between
/// them), then revoked through auth-service-1 during it. Counts, separately, the calls started after an admin call that
/// answered success (none may be allowed) and the admin calls that answered 503 (the admin was told the change may
/// not have reached every cache). Hand-written beside <see cref="ChaosRun"/>'s own revocation row because there the
/// arrangement, warm-up and revocation run back to back, and here a fault comes between them.
/// </summary>
public sealed class WireRevocations : IAsyncDisposable
{
    /// <summary>One kind per credential family that caches differently: an opaque token, a turn JWT's key, a team's scope.</summary>
    public static readonly string[] Kinds = ["token deactivated", "signing key retired", "team workspace removed"];

    /// <summary>Generous: the credential's first calls are misses, on a machine the load and the other replicas share.</summary>
    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(30);
    private readonly List<Watched> _watched = [];
    private readonly CancellationTokenSource _stop = new();

    private sealed record Watched(string Kind, RevocationScenarios.Scenario Scenario, ConcurrentQueue<ToolCall.Result> Results, List<Task> Callers)
    {
        public RevocationScenarios.Answer? Answer { get; set; }

        public long Answered { get; set; }
    }

    /// <summary>
    /// Arranges every kind, its libraries through <paramref name="libraryAdmin"/>(0) and (1) (the library admin APIs
    /// of the first and second replica, which may be one), and calls with each credential until each is allowed
    /// through every one of <paramref name="mcpHosts"/>.
    /// </summary>
    public static async Task<WireRevocations> WarmAsync(
        ChaosCluster cluster, IReadOnlyList<HttpClient> mcpHosts, Func<int, HttpClient> libraryAdmin, List<string> violations)
    {
        var revocations = new WireRevocations();
        using var firstLibraries = libraryAdmin(0);
        using var secondLibraries = libraryAdmin(1);
        foreach (var kind in Kinds)
        {
            var scenario = await RevocationScenarios.ArrangeAsync(kind, cluster.Auth(0), cluster.Auth(1),
                new(firstLibraries), new(secondLibraries), DateTimeOffset.UtcNow);
            var results = new ConcurrentQueue<ToolCall.Result>();
            var hosts = new ConcurrentQueue<int>();
            var callers = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
            {
                while (!revocations._stop.IsCancellationRequested)
                {
                    var result = await ToolCall.SendAsync(mcpHosts[i % mcpHosts.Count], scenario.Bearer, "list_libraries", "{}");
                    results.Enqueue(result);
                    if (result.PassedGate)
                    {
                        hosts.Enqueue(i % mcpHosts.Count);
                    }
                }
            })).ToList();
            revocations._watched.Add(new Watched(kind, scenario, results, callers));

            var until = Stopwatch.GetTimestamp() + (long)(WarmUpLimit.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < until && !Enumerable.Range(0, mcpHosts.Count).All(h => hosts.Count(passed => passed == h) >= 4))
            {
                await Task.Delay(20);
            }

            if (Stopwatch.GetTimestamp() >= until)
            {
                violations.Add($"{kind}: the credential was not allowed through every mcp-host before the fault");
            }
        }

        return revocations;
    }

    /// <summary>Revokes every kind, one after the other, noting when and what each admin call answered.</summary>
    public async Task RevokeAsync()
    {
        foreach (var watched in _watched)
        {
            watched.Answer = await watched.Scenario.Revoke();
            watched.Answered = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>
    /// Stops the callers and judges: an admin call answers success or 503 <c>unavailable</c>; after a success, no call
    /// started later is allowed (nor, for a narrowing change, sees the library taken away). Returns the row's text.
    /// </summary>
    public async Task<string> JudgeAsync(List<string> violations)
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_watched.SelectMany(w => w.Callers));
        var (answered, later, allowed, refused, allowedAfterRefusal) = (0, 0, 0, 0, 0);
        foreach (var watched in _watched)
        {
            var answer = watched.Answer ?? throw new InvalidOperationException($"{watched.Kind} was never revoked.");
            var after = watched.Results.Where(r => r.Started > watched.Answered).ToList();
            var stale = after.Count(r => RevocationScenarios.IsStale(watched.Scenario, r.PassedGate, r.Detail));
            if (answer.Succeeded)
            {
                (answered, later, allowed) = (answered + 1, later + after.Count, allowed + stale);
                if (stale > 0)
                {
                    violations.Add($"{watched.Kind}: {stale} of {after.Count} calls started after the admin call answered were allowed");
                }
            }
            else if ((int)answer.Status == 503 && answer.Body.Contains("\"unavailable\"", StringComparison.Ordinal))
            {
                (refused, allowedAfterRefusal) = (refused + 1, allowedAfterRefusal + stale);
            }
            else
            {
                violations.Add($"{watched.Kind}: the admin call answered {(int)answer.Status} {answer.Body}");
            }

            if (after.Count < 4)
            {
                violations.Add($"{watched.Kind}: only {after.Count} calls started after the admin call answered");
            }
        }

        return $"revocations: {answered} answered, {later} calls started after, {allowed} allowed; {refused} answered 503 unavailable" +
               (refused > 0 ? $" ({allowedAfterRefusal} calls allowed after those)" : "");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_watched.SelectMany(w => w.Callers));
        }

        _stop.Dispose();
    }
}
