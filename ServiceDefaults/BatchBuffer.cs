using System.Threading.Channels;

namespace Mnemosyne.ServiceDefaults;

/// <summary>
/// A bounded in-memory queue drained in batches by one writer at a time: what both audit sinks use to keep writes
/// off a call's path. <see cref="TryAdd"/> never blocks (false when full: the caller counts the drop);
/// <see cref="DrainAsync"/> hands out batches of at most <paramref name="batchSize"/> and keeps a batch the writer
/// could not take for the next try (at most <paramref name="capacity"/> rows; older ones beyond that are dropped).
/// </summary>
public sealed class BatchBuffer<T>(int capacity, int batchSize) : IDisposable
{
    private readonly Channel<T> _queue = Channel.CreateBounded<T>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly List<T> _pending = [];
    private readonly SemaphoreSlim _draining = new(1, 1); // a background loop and a shutdown or test drain never write the same rows
    private long _dropped;

    public bool TryAdd(T item)
    {
        if (_queue.Writer.TryWrite(item))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>How many items were dropped since the last call.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref _dropped, 0);

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _queue.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Writes everything queued so far; false when <paramref name="write"/> refused a batch (kept for the next try).</summary>
    public async Task<bool> DrainAsync(Func<IReadOnlyList<T>, CancellationToken, Task<bool>> write, CancellationToken cancellationToken)
    {
        await _draining.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                while (_pending.Count < batchSize && _queue.Reader.TryRead(out var item))
                {
                    _pending.Add(item);
                }

                if (_pending.Count == 0)
                {
                    return true;
                }

                if (!await write(_pending, cancellationToken))
                {
                    if (_pending.Count > capacity)
                    {
                        Interlocked.Add(ref _dropped, _pending.Count - capacity);
                        _pending.RemoveRange(0, _pending.Count - capacity);
                    }

                    return false;
                }

                _pending.Clear();
            }
        }
        finally
        {
            _draining.Release();
        }
    }

    public void Dispose() => _draining.Dispose();
}
