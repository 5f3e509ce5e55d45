using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.Bench.Chaos;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.Testing;

namespace Mnemosyne.Bench;

/// <summary>
/// What cached decisions cost in memory (issue 25: 100,000 of them in at most 64 MiB of mcp-host's managed heap). Fills
/// the cached McpHost's decision cache through real tool calls, each with a turn JWT never seen before (signed here
/// with a signing key made for it, all of one subject, so nothing but the cache grows per token: one principal, one
/// budget), then empties every cache with an announcement that reaches everything, and takes the managed heap after a
/// full, compacting collection before, when filled and when emptied. What the decisions hold is filled − emptied, two
/// readings a moment apart: filled − before also counts what the load run left behind and the process frees meanwhile
/// (after a full run, more than the cache takes). The heap is the whole process's — auth-service, with its own cache of
/// resolutions, and the clients run in it too — so the figure is an upper bound on mcp-host's cache.
/// </summary>
public static class MemoryRun
{
    private const int Callers = 8;

    public sealed record Result(int Decisions, int Cached, long HeapBefore, long HeapFilled, long HeapEmptied)
    {
        public double MiB => (HeapFilled - HeapEmptied) / 1024.0 / 1024.0;

        public double BytesPerDecision => Cached == 0 ? 0 : (HeapFilled - HeapEmptied) / (double)Cached;
    }

    public static async Task<Result> RunAsync(BenchServices services, int decisions)
    {
        var cache = services.McpHost.Services.GetRequiredService<DecisionCache>();
        var (kid, secret) = await services.Auth.CreateSigningKeyAsync();
        using var http = ToolCall.ClientFor(services.McpHost.Address);
        // One call first, so what the first call of any kind sets up is in the "before" heap.
        await CallAsync(http, kid, secret);
        var before = Heap();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < decisions)
            {
                await CallAsync(http, kid, secret);
            }
        })));
        var cached = cache.Count;
        var filled = Heap();
        await services.McpHost.Services.GetRequiredService<InvalidationAnnouncer>()
            .AnnounceAsync(InvalidationReach.Everything, CancellationToken.None);
        if (cache.Count != 0)
        {
            throw new InvalidOperationException($"The decision cache still holds {cache.Count} decisions after everything was reached.");
        }

        return new Result(decisions, cached, before, filled, Heap());
    }

    private static async Task CallAsync(HttpClient http, string kid, byte[] secret)
    {
        var token = TestJwt.Turn(kid, secret, DateTimeOffset.UtcNow, claims =>
        {
            claims["sub"] = "bench-memory";
            claims["libs"] = BenchSeed.Libraries;
        }, lifetimeSeconds: 600);
        var result = await ToolCall.SendAsync(http, token, "list_libraries", "{}");
        if (result.Outcome != ToolCall.Outcome.Ok)
        {
            throw new InvalidOperationException($"A memory run's call failed: {result.Outcome} {result.Detail}");
        }
    }

    private static long Heap()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
