using System.Diagnostics;
using Mnemosyne.Testing;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Mnemosyne.Bench;

/// <summary>
/// The end-to-end load run: MCP clients (the official SDK) calling <c>search</c> through McpHost with a valid token
/// of each kind, and the same calls against the no-auth baseline. Two phases per kind: throughput, with enough
/// concurrent clients to keep every core busy, and latency, with one client so no call waits behind another.
/// Kinds take turns in short slices over several rounds, in a new order each round, so a slow moment of the machine
/// falls on all of them alike. The <see cref="Churn"/> kind is many principals at once while revocations happen.
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
    /// Slices of the baseline in each round: it is the reference of every other kind, so its error is in every ratio of
    /// the run at once. Measured as long as one kind, it drew a fast round now and then and every row fell together
    /// (the A/A row at 0.85×, and with it ten rows past their targets, in a run of commit 5a6e4a0). With k kinds set
    /// against one reference, the reference's share that makes the ratios most precise is √k times a kind's (Dunnett's
    /// allocation); three slices for a dozen kinds is a little under that.
    /// </summary>
    private const int BaselineSlices = 3;

    private static readonly TimeSpan ChurnInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan LeadIn = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan TouchAftermath = TimeSpan.FromSeconds(6);
    private static readonly string[] Queries = ["replication", "quorum lease", "\"snapshot compaction\"", "shard -vacuum"];

    /// <param name="Kinds">Only these kinds besides the baseline (a profile of the warm path, say); null: all.</param>
    public sealed record Settings(TimeSpan Duration, int Clients, int Rounds, int Seed, IReadOnlySet<string>? Kinds = null);

    public sealed record Results(IReadOnlyList<Measurement> Throughput, IReadOnlyList<Measurement> Latency);

    public static async Task<Results> RunAsync(BenchServices services, Settings settings)
    {
        var all = new[] { Baseline, BaselineAgain }.Concat(services.Tokens.Keys).Concat(services.Tokens.Keys.Select(k => k + Miss))
            .Append(Churn).ToList();
        if (settings.Kinds?.Except(all).ToList() is [_, ..] unknown)
        {
            throw new ArgumentException($"Unknown in --kinds: {string.Join(", ", unknown)}. Kinds: {string.Join(", ", all)}.");
        }

        var kinds = all.Where(k => k == Baseline || settings.Kinds is null || settings.Kinds.Contains(k)).ToArray();
        // Per kind, its workers: each calls with its clients in turn (one client, but a churn worker has many).
        var clients = new Dictionary<string, McpClient[][]>();
        try
        {
            foreach (var kind in kinds)
            {
                clients[kind] = await ConnectAsync(services, kind, settings.Clients);
            }

            foreach (var kind in kinds)
            {
                await DriveAsync(clients[kind], TimeSpan.FromSeconds(2));
            }

            var slots = kinds.Concat(Enumerable.Repeat(Baseline, BaselineSlices - 1)).ToList();
            var slice = settings.Duration / (2 * slots.Count * settings.Rounds);
            var throughput = kinds.ToDictionary(k => k, _ => new Measurement.Builder(settings.Rounds));
            var latency = kinds.ToDictionary(k => k, _ => new Measurement.Builder(settings.Rounds));
            for (var round = 0; round < settings.Rounds; round++)
            {
                // A new order each round, and a new seed each run (printed, so a run can be repeated): no kind always
                // follows the same one, so the background work a kind leaves behind (audit batches, usage flushes)
                // falls on no kind more than another. With the same seed every run, one kind kept the same
                // neighbours and trailed in every run.
                var random = new Random(settings.Seed + round);
                foreach (var kind in slots.OrderBy(_ => random.Next()).ToList())
                {
                    // Each slice starts with a lead-in that is not measured: what the previous slice left running
                    // (an audit batch, a flush) is absorbed by it instead of being counted against this kind.
                    await using var churn = kind == Churn ? ChurnRevocations.Start(services, ChurnInterval) : null;
                    var one = kind == Churn ? [[.. clients[kind].SelectMany(c => c)]] : clients[kind][..1];
                    if (kind == Churn)
                    {
                        // Every principal once, unmeasured: at real traffic's rate (2,000 principals sharing ~1,000
                        // calls a second) each comes round every few seconds, so its decision is warm; here the kinds
                        // take turns, and without this pass a principal would come round once in ~40 s, longer than a
                        // team or OAuth scope lives, and churn would measure first calls instead of revocations.
                        await TouchEveryClientAsync(clients[kind]);
                        // The pass's own aftermath — its 2,000 audit entries and the usage of its 400 opaque tokens,
                        // written in the background — is absorbed before measuring, as the lead-in absorbs a previous
                        // slice's: one usage flush interval (5 s) and a second.
                        await Task.Delay(TouchAftermath);
                    }

                    await DriveAsync(clients[kind], LeadIn);
                    throughput[kind].Add(round, await DriveAsync(clients[kind], slice));
                    await DriveAsync(one, LeadIn);
                    latency[kind].Add(round, await DriveAsync(one, slice));
                }
            }

            return new Results([.. kinds.Select(k => throughput[k].Build(k))], [.. kinds.Select(k => latency[k].Build(k))]);
        }
        finally
        {
            foreach (var client in clients.Values.SelectMany(c => c).SelectMany(c => c))
            {
                await client.DisposeAsync();
            }
        }
    }

    private static async Task<McpClient[][]> ConnectAsync(BenchServices services, string kind, int count)
    {
        if (kind == Churn)
        {
            // Worker i takes bearers i, i + count, i + 2 count, …: every principal is called, by one worker.
            var bearers = services.ChurnTokens;
            return await Task.WhenAll(Enumerable.Range(0, count).Select(async worker =>
            {
                var mine = new List<McpClient>();
                for (var i = worker; i < bearers.Count; i += count)
                {
                    mine.Add(await ConnectAsync(services.McpHost, bearers[i]));
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

    private static Task TouchEveryClientAsync(McpClient[][] clients) =>
        Task.WhenAll(clients.Select(worker => Task.Run(async () =>
        {
            foreach (var client in worker)
            {
                await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = Queries[0] });
            }
        })));

    private static Task<McpClient> ConnectAsync(TestHost host, string? bearer) =>
        McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(host.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = bearer is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Authorization"] = "Bearer " + bearer },
        }));

    /// <summary>
    /// Every worker calls <c>search</c> back to back for <paramref name="duration"/>, with each of its clients in turn;
    /// any failed call stops the run.
    /// </summary>
    private static async Task<(List<long> Latencies, TimeSpan Elapsed)> DriveAsync(McpClient[][] clients, TimeSpan duration)
    {
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perClient = await Task.WhenAll(clients.Select((worker, index) => Task.Run(async () =>
        {
            var latencies = new List<long>(4096);
            var call = index;
            while (Stopwatch.GetTimestamp() < until)
            {
                var arguments = new Dictionary<string, object?> { ["query"] = Queries[call++ % Queries.Length] };
                var before = Stopwatch.GetTimestamp();
                var result = await worker[call % worker.Length].CallToolAsync("search", arguments);
                latencies.Add(Stopwatch.GetTimestamp() - before);
                if (result.IsError == true || result.Content is not [TextContentBlock { Text.Length: > 2 }])
                {
                    throw new InvalidOperationException($"search failed or found nothing: {Describe(result)}");
                }
            }

            return latencies;
        })));
        return ([.. perClient.SelectMany(l => l)], Stopwatch.GetElapsedTime(started));
    }

    private static string Describe(CallToolResult result) =>
        string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
}
