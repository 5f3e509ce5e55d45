using System.Collections.Concurrent;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// The steady load the faults are injected under: <c>clients</c> callers (16 by default), alternating between the two
/// mcp-hosts and between credential kinds, each calling <c>search</c> back to back with one valid token and recording
/// every call (which mcp-host, which kind, when it started and ended, what came back) until stopped. A caller whose
/// mcp-host cannot be reached waits 50 ms before trying again, as a client with a retry would.
/// </summary>
public sealed class ChaosLoad : IAsyncDisposable
{
    private static readonly string[] Queries = ["replication", "quorum lease", "\"snapshot compaction\"", "shard -vacuum"];
    private readonly ConcurrentQueue<LoadCall> _calls = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _callers = [];

    public readonly record struct LoadCall(int Host, string Kind, ToolCall.Result Result);

    /// <summary>
    /// Starts <paramref name="clients"/> callers over <paramref name="mcpHosts"/>; their calls are recorded as
    /// mcp-host <paramref name="firstHost"/>, <paramref name="firstHost"/> + 1, … (a pair of its own numbers after the cluster's).
    /// </summary>
    public static ChaosLoad Start(IReadOnlyList<HttpClient> mcpHosts, IReadOnlyDictionary<string, string> tokens, int clients, int firstHost = 0)
    {
        var load = new ChaosLoad();
        var kinds = tokens.Keys.ToArray();
        for (var i = 0; i < clients; i++)
        {
            var (host, kind) = (i % mcpHosts.Count, kinds[i / mcpHosts.Count % kinds.Length]);
            load._callers.Add(Task.Run(() => load.CallAsync(mcpHosts[host], firstHost + host, kind, tokens[kind])));
        }

        return load;
    }

    /// <summary>Every call finished since the last drain, in no particular order.</summary>
    public List<LoadCall> Drain()
    {
        var calls = new List<LoadCall>(_calls.Count);
        while (_calls.TryDequeue(out var call))
        {
            calls.Add(call);
        }

        return calls;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_callers);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task CallAsync(HttpClient client, int host, string kind, string bearer)
    {
        for (var n = host; !_stop.IsCancellationRequested; n++)
        {
            var arguments = $$"""{"query":{{System.Text.Json.JsonSerializer.Serialize(Queries[n % Queries.Length])}}}""";
            var result = await ToolCall.SendAsync(client, bearer, "search", arguments);
            _calls.Enqueue(new LoadCall(host, kind, result));
            if (result.Outcome == ToolCall.Outcome.Transport)
            {
                await Task.Delay(50);
            }
        }
    }
}
