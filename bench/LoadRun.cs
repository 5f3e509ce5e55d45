using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;
using Mnemosyne.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mnemosyne.Bench;

/// <summary>
/// The end-to-end load run: MCP clients (the official SDK) calling <c>search</c> through McpHost with a valid token
/// of each kind, and the same calls against the no-auth baseline. Two phases per kind: throughput, with enough
/// concurrent clients to keep every core busy, and latency, with one client so no call waits behind another.
/// Each kind is measured in short slices over several rounds, every slice beside one of its reference (the baseline;
/// for <see cref="Churn"/>, many principals at once while revocations happen, the <see cref="Crowd"/>), so that a slow
/// moment of this shared machine, which lasts seconds, falls on both alike; the pairs go in a new order each round.
/// </summary>
public static class LoadRun
{
    public const string Baseline = "baseline";

    /// <summary>
    /// The baseline measured again as if it were a kind, by its own clients: its ratio to the baseline shows how far
    /// this machine's noise alone moves a ratio in the same run (an A/A control).
    /// </summary>
    public const string BaselineAgain = "baseline again";

    /// <summary>Suffix of the kinds measured through the McpHost whose cache is off: what a cache miss costs.</summary>
    public const string Miss = " miss";

    /// <summary>
    /// Traffic as it is (issue 25): every call with the next of <see cref="BenchServices.ChurnTokens"/> (2,000 principals
    /// of the five kinds), through the cached McpHost, while one revoking admin change a second hits principals the load
    /// does not use.
    /// </summary>
    public const string Churn = "churn";

    /// <summary>
    /// The churn kind's own reference: the baseline called by as many clients as churn has principals, each on its own
    /// connection, in churn's pattern. Two thousand clients cost something without any authentication (the no-auth
    /// baseline measured 0.94× and +1.97 ms p99 one client with them, run of 2026-12-07 14:41): churn is set against
    /// this, so that its row measures what 2,000 principals and their revocations add, not what 2,000 connections do.
    /// Measured whenever churn is.
    /// </summary>
    public const string Crowd = "crowd";

    private static readonly TimeSpan ChurnInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LeadIn = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan TouchAftermath = TimeSpan.FromSeconds(6);

    /// <summary>
    /// A new epoch's set-up, of the tokens' life: minting (about 40 s with churn's 2,000 principals), connecting and
    /// every kind's two-second warm-up.
    /// </summary>
    private static readonly TimeSpan EpochStart = TimeSpan.FromSeconds(90);
    private static readonly string[] Queries = ["replication", "quorum lease", "\"snapshot compaction\"", "shard -vacuum"];

    /// <param name="Kinds">Only these kinds besides the baseline (a profile of the warm path, say); null: all.</param>
    public sealed record Settings(TimeSpan Duration, int Clients, int Rounds, int Seed, IReadOnlySet<string>? Kinds = null);

    /// <param name="Epochs">How many sets of tokens the run used: a new one whenever the next round would outlast the tokens.</param>
    /// <param name="Measured">Every slice's measured window together: the run's duration, and more when churn's slices are longer.</param>
    public sealed record Results(IReadOnlyList<Measurement> Throughput, IReadOnlyList<Measurement> Latency, int Epochs, TimeSpan Measured);

    public static async Task<Results> RunAsync(BenchServices services, Settings settings)
    {
        var all = new[] { Baseline, BaselineAgain }.Concat(services.Tokens.Keys).Concat(services.Tokens.Keys.Select(k => k + Miss))
            .Append(Churn).ToList();
        if (settings.Kinds?.Except(all).ToList() is [_, ..] unknown)
        {
            throw new ArgumentException($"Unknown in --kinds: {string.Join(", ", unknown)}. Kinds: {string.Join(", ", all)}.");
        }

        // Every kind is measured in pairs with its reference: its slice and the reference's one beside it, in a drawn
        // order, so that both meet the same moment of the machine.
        var pairs = all.Where(k => k != Baseline && (settings.Kinds is null || settings.Kinds.Contains(k)))
            .Select(k => (Reference: k == Churn ? Crowd : Baseline, Kind: k)).ToList();
        if (pairs.Count == 0)
        {
            throw new ArgumentException(
                $"--kinds names no kind besides the baseline. Kinds: {string.Join(", ", all)}.");
        }

        // What is measured, in the order of the tables: the baseline, the kinds, the crowd just before churn.
        var listed = all.ToList();
        listed.Insert(listed.IndexOf(Churn), Crowd);
        var kinds = listed.Where(k => pairs.Any(p => p.Reference == k || p.Kind == k)).ToList();

        var slice = settings.Duration / (2 * 2 * pairs.Count * settings.Rounds);
        // Churn and its crowd are measured in slices of at least a quarter of a team or OAuth scope's lifetime, so that
        // a churn pair's four span one: traffic as it is re-resolves each such principal every lifetime, and slices of
        // a second just after the touch pass never met that moment (docs/benchmark.md, churn's tail).
        var scopeLifetime = TimeSpan.FromSeconds(services.McpHost.Services.GetRequiredService<IOptions<McpOptions>>().Value.LibraryScopeCacheSeconds);
        var churnSlice = slice > scopeLifetime / 4 ? slice : scopeLifetime / 4;
        // A round takes its measured time and, besides, four lead-ins a pair, the slices' audit writes and last calls
        // (about half a second a pair), and a churn pair's touch pass. The tokens were minted before the run and live
        // 10 minutes: a round that would outlast them starts a new epoch — fresh tokens, new connections — and a
        // round longer than fresh tokens last is refused now, not when its calls start failing.
        var roundNeeds = settings.Duration / settings.Rounds + pairs.Count * (4 * LeadIn + TimeSpan.FromSeconds(0.5))
            + (kinds.Contains(Churn) ? TouchAftermath + TimeSpan.FromSeconds(6) + 4 * (churnSlice - slice) : TimeSpan.Zero);
        if (roundNeeds > BenchServices.TokenLifetime - EpochStart)
        {
            throw new ArgumentException(
                $"A round would need about {roundNeeds.TotalSeconds:0} s, more than fresh tokens last after they are minted " +
                $"(about {(BenchServices.TokenLifetime - EpochStart).TotalSeconds:0} s): more --rounds or fewer --seconds.");
        }

        // Per kind, its workers: each calls with its clients in turn (one client, but a churn worker has many).
        var clients = new Dictionary<string, McpClient[][]>();
        try
        {
            await ConnectAndWarmAsync(services, kinds, settings.Clients, clients);
            var throughput = kinds.ToDictionary(k => k, _ => new Measurement.Builder(settings.Rounds));
            var latency = kinds.ToDictionary(k => k, _ => new Measurement.Builder(settings.Rounds));
            var epochs = 1;
            var measured = TimeSpan.Zero;
            for (var round = 0; round < settings.Rounds; round++)
            {
                if (DateTimeOffset.UtcNow + roundNeeds > services.TokensExpire)
                {
                    Console.WriteLine($"Round {round + 1} of {settings.Rounds} would outlast the tokens: epoch {++epochs}, fresh tokens and connections...");
                    await DisconnectAsync(clients);
                    await services.RenewTokensAsync();
                    await ConnectAndWarmAsync(services, kinds, settings.Clients, clients);
                }

                // A new order each round, and a new seed each run (printed, so a run can be repeated): no kind always
                // follows the same one. With the same seed every run, one kind kept the same neighbours and trailed in
                // every run.
                var random = new Random(settings.Seed + round);
                foreach (var (reference, kind) in pairs.OrderBy(_ => random.Next()).ToList())
                {
                    // Which of the two goes first is drawn as well: what a slice leaves running that its lead-in does
                    // not absorb falls on the kind and on the reference alike.
                    string[] order = random.Next(2) == 0 ? [reference, kind] : [kind, reference];
                    if (kind == Churn)
                    {
                        await TouchAsync(clients[Crowd], clients[Churn]);
                    }

                    foreach (var (measurements, concurrent) in new[] { (throughput, true), (latency, false) })
                    {
                        var slices = new Dictionary<string, (List<long> Latencies, TimeSpan Elapsed)>();
                        foreach (var next in order)
                        {
                            // The latency phase's one worker calls with one client, or with all of a crowd's in turn.
                            var workers = concurrent ? clients[next]
                                : next is Churn or Crowd ? [[.. clients[next].SelectMany(c => c)]] : clients[next][..1];
                            await using var churn = next == Churn ? ChurnRevocations.Start(services, ChurnInterval) : null;
                            // Each slice starts with a lead-in that is not measured: what the slice before left running
                            // is absorbed by it rather than counted, and the audit entries queued so far are written
                            // before measuring. The slice ends by writing the entries its own calls queued, while its
                            // clients go on calling: a kind pays for its audit trail as it would under steady load, and
                            // no slice pays for another's (the queues gather a second before they send, so without
                            // this most of a short slice's entries were written in the slice after it).
                            slices[next] = await DriveAsync(workers, LeadIn, next is Churn or Crowd ? churnSlice : slice,
                                services.WriteQueuedAuditAsync);
                            measured += slices[next].Elapsed;
                        }

                        measurements[kind].Add(round, slices[kind], slices[reference]);
                        measurements[reference].Add(round, slices[reference], null);
                    }
                }
            }

            return new Results([.. kinds.Select(k => throughput[k].Build(k))], [.. kinds.Select(k => latency[k].Build(k))], epochs, measured);
        }
        finally
        {
            await DisconnectAsync(clients);
        }
    }

    /// <summary>Connects every kind's clients with the current tokens, then has each kind call for two seconds unmeasured.</summary>
    private static async Task ConnectAndWarmAsync(BenchServices services, List<string> kinds, int count, Dictionary<string, McpClient[][]> clients)
    {
        foreach (var kind in kinds)
        {
            clients[kind] = await ConnectAsync(services, kind, count);
        }

        foreach (var kind in kinds)
        {
            await DriveAsync(clients[kind], TimeSpan.FromSeconds(2), TimeSpan.Zero, services.WriteQueuedAuditAsync);
        }
    }

    private static async Task DisconnectAsync(Dictionary<string, McpClient[][]> clients)
    {
        foreach (var client in clients.Values.SelectMany(c => c).SelectMany(c => c))
        {
            await client.DisposeAsync();
        }

        clients.Clear();
    }

    private static async Task<McpClient[][]> ConnectAsync(BenchServices services, string kind, int count)
    {
        if (kind is Churn or Crowd)
        {
            // Worker i takes bearers i, i + count, i + 2 count, …: every principal is called, by one worker. The crowd's
            // clients have no bearer and call the baseline.
            var (target, bearers) = kind == Churn
                ? (services.McpHost, services.ChurnTokens.ToArray<string?>())
                : (services.Baseline, new string?[services.ChurnTokens.Count]);
            return await Task.WhenAll(Enumerable.Range(0, count).Select(async worker =>
            {
                var mine = new List<McpClient>();
                for (var i = worker; i < bearers.Length; i += count)
                {
                    mine.Add(await ConnectAsync(target, bearers[i]));
                }

                return mine.ToArray();
            }));
        }

        var unauthenticated = kind is Baseline or BaselineAgain;
        var host = unauthenticated ? services.Baseline : kind.EndsWith(Miss, StringComparison.Ordinal) ? services.McpHostWithoutCache : services.McpHost;
        var bearer = unauthenticated ? null : services.Tokens[kind.Replace(Miss, "", StringComparison.Ordinal)];
        var clients = new McpClient[count][];
        for (var i = 0; i < count; i++)
        {
            clients[i] = [await ConnectAsync(host, bearer)];
        }

        return clients;
    }

    /// <summary>
    /// Before a churn pair: every principal once, unmeasured. At real traffic's rate (2,000 principals sharing ~1,000
    /// calls a second) each comes round every few seconds, so its decision is warm; here the kinds take turns, and
    /// without this pass a principal would come round once in ~40 s, longer than a team or OAuth scope lives, and churn
    /// would measure first calls instead of revocations. The crowd's clients too, so that both start with their
    /// connections in the same state. Then the pass's own aftermath — its 2,000 audit entries and the usage of its
    /// 400 opaque tokens, written in the background — is waited out: one usage flush interval (5 s) and a second.
    /// </summary>
    private static async Task TouchAsync(params McpClient[][][] crowds)
    {
        foreach (var crowd in crowds)
        {
            await Task.WhenAll(crowd.Select(worker => Task.Run(async () =>
            {
                foreach (var client in worker)
                {
                    await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = Queries[0] });
                }
            })));
        }

        await Task.Delay(TouchAftermath);
    }

    private static Task<McpClient> ConnectAsync(TestHost host, string? bearer) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(host.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = bearer is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Authorization"] = "Bearer " + bearer },
        }));

    /// <summary>
    /// Every worker calls <c>search</c> back to back, with each of its clients in turn: through a lead-in that is not
    /// measured and ends by writing the audit entries queued so far, then through the measured window of
    /// <paramref name="window"/>, which ends by writing the entries queued in it. Any failed call stops the run.
    /// Counted are the calls that end inside the window, over the window's length: the clients are already calling when
    /// it opens and still calling when it closes, so it holds the steady state only — not the workers starting
    /// together, nor the wait for the slowest call in flight at the end (at 16 clients a p99 of about 100 ms, an eighth
    /// of a slice). That did not narrow the rounds' spread (docs/benchmark.md, the fourth change): the machine's own
    /// slowdowns are most of it.
    /// </summary>
    private static async Task<(List<long> Latencies, TimeSpan Elapsed)> DriveAsync(McpClient[][] clients, TimeSpan leadIn,
        TimeSpan window, Func<Task> writeQueuedAudit)
    {
        using var end = new CancellationTokenSource();
        var perClient = Task.WhenAll(clients.Select((worker, index) => Task.Run(async () =>
        {
            var calls = new List<(long Ended, long Latency)>(4096);
            var call = index;
            while (!end.IsCancellationRequested)
            {
                var arguments = new Dictionary<string, object?> { ["query"] = Queries[call++ % Queries.Length] };
                var before = Stopwatch.GetTimestamp();
                var result = await worker[call % worker.Length].CallToolAsync("search", arguments);
                var ended = Stopwatch.GetTimestamp();
                calls.Add((ended, ended - before));
                if (result.IsError == true || result.Content is not [TextContentBlock { Text.Length: > 2 }])
                {
                    throw new InvalidOperationException($"search failed or found nothing: {Describe(result)}");
                }
            }

            return calls;
        })));
        long opened, closed;
        try
        {
            await Task.Delay(leadIn);
            await writeQueuedAudit();
            opened = Stopwatch.GetTimestamp();
            await Task.Delay(window);
            await writeQueuedAudit();
            closed = Stopwatch.GetTimestamp();
        }
        finally
        {
            await end.CancelAsync();
        }

        var latencies = (await perClient).SelectMany(c => c).Where(c => c.Ended >= opened && c.Ended <= closed).Select(c => c.Latency);
        return ([.. latencies], Stopwatch.GetElapsedTime(opened, closed));
    }

    private static string Describe(CallToolResult result) =>
        string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}
