using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.Bench.Chaos;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.Testing;

namespace Mnemosyne.Bench;

/// <summary>
/// What cached decisions cost in memory (issue 25: 100,000 of them in at most 64 MiB of mcp-host's managed heap). Fills
/// the cached McpHost's decision cache through real tool calls, each with a turn JWT never seen before (signed here
/// with a signing key made for it, all of one subject, so nothing but the cache grows per token: one principal, one
/// budget), and compares the managed heap after a full, compacting collection before and after. The heap is the
/// whole process's — auth-service and the clients run in it too — so the figure is an upper bound on the cache's.
/// </summary>
public static class MemoryRun
{
    private const int Callers = 8;

    public sealed record Result(int Decisions, int Cached, long HeapBefore, long HeapAfter)
    {
        public double MiB => (HeapAfter - HeapBefore) / 1024.0 / 1024.0;

        public double BytesPerDecision => Cached == 0 ? 0 : (HeapAfter - HeapBefore) / (double)Cached;
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
        return new Result(decisions, cache.Count, before, Heap());
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
