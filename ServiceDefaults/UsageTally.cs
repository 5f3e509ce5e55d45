using System.Collections.Concurrent;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// Token usage added up in memory until it is written, what both usage recorders keep: auth-service's per token id
/// (written to authdb), mcp-host's per bearer hash (calls answered from its decision cache, sent to auth-service).
/// <see cref="FlushAsync"/> takes everything recorded so far and adds back what the writer could not take, so a
/// failed write keeps its counts for the next one.
/// </summary>
public sealed class UsageTally<TKey> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TokenUsage> _pending = new();

    public void Record(TKey key, TokenUsage usage) =>
        _pending.AddOrUpdate(key, static (_, added) => added, static (_, known, added) => known.Add(added), usage);

    /// <summary>Usage recorded and not yet written, for answers that must include it.</summary>
    public TokenUsage? Pending(TKey key) => _pending.TryGetValue(key, out var usage) ? usage : null;

    /// <summary>Hands everything recorded to <paramref name="write"/>; what it answers false for is kept for the next flush.</summary>
    public async Task FlushAsync(
        Func<IReadOnlyList<(TKey Key, TokenUsage Usage)>, CancellationToken, Task<bool>> write, CancellationToken cancellationToken)
    {
        var batch = new List<(TKey Key, TokenUsage Usage)>();
        foreach (var key in _pending.Keys)
        {
            if (_pending.TryRemove(key, out var usage))
            {
                batch.Add((key, usage));
            }
        }

        if (batch.Count > 0 && !await write(batch, cancellationToken))
        {
            foreach (var (key, usage) in batch)
            {
                Record(key, usage);
            }
        }
    }
}
