using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// Values kept in memory only while they are known to be current (CONTRACT §9): one is used while this replica trusts
/// its announcements (<see cref="InvalidationListener"/>), until its time ends, and until a change reaches something
/// it depends on (<see cref="Dependency"/> names; unknown dependencies: any change) or everything. A value read while a
/// change arrived is not kept: take a <see cref="Ticket"/> before reading it, and store with that. Bounded: when full,
/// what is stale or expired goes first, else a tenth of the entries, as they come (a cheap stand-in for the least
/// recently used). The decision cache, auth-service's team rows and its workspaces all keep their values here.
/// </summary>
public sealed class InvalidatedCache<TKey, TValue> where TKey : notnull
{
    private readonly InvalidationListener _invalidations;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<TKey, Entry> _entries;

    /// <summary>Entries stored under an older generation than this predate a change that reached everything.</summary>
    private long _floor;

    private sealed record Entry(TValue Value, long Generation, DateTimeOffset Until, IReadOnlyList<string>? DependsOn);

    /// <summary>
    /// What a value about to be read is stored under: the generation this replica had finished applying then, and
    /// whether the cache was trusted.
    /// </summary>
    public readonly record struct Ticket(long Generation, bool Trusted);

    public InvalidatedCache(InvalidationListener invalidations, int capacity, TimeProvider time, IEqualityComparer<TKey>? comparer = null)
    {
        _invalidations = invalidations;
        _capacity = capacity;
        _time = time;
        _entries = new(comparer);
        invalidations.Advanced += Invalidate;
    }

    /// <summary>After each change is applied: what it reached and how many entries it dropped.</summary>
    public event Action<InvalidationReach, int>? Invalidated;

    public int Count => _entries.Count;

    /// <remarks>
    /// The generation applied, not the newest heard of: while a change is being applied, caches are emptied one after
    /// another, and a value read from one not emptied yet (auth-service resolves from its team rows) must not be kept
    /// by one already emptied. Read then, it is kept only if no change is heard of by the time it is stored — never,
    /// since the one being applied already counts.
    /// </remarks>
    public Ticket Begin() => new(_invalidations.Applied, _invalidations.IsTrusted);

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        value = default;
        if (!_entries.TryGetValue(key, out var entry))
        {
            return false;
        }

        if (entry.Generation < Volatile.Read(ref _floor) || _time.GetUtcNow() >= entry.Until)
        {
            _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
            return false;
        }

        if (!_invalidations.IsTrusted)
        {
            return false;
        }

        value = entry.Value;
        return true;
    }

    /// <summary>Keeps <paramref name="value"/>, read under <paramref name="ticket"/>, unless a change has been heard of since.</summary>
    public void Store(Ticket ticket, TKey key, TValue value, DateTimeOffset until, IReadOnlyList<string>? dependsOn)
    {
        var now = _time.GetUtcNow();
        if (!ticket.Trusted || _capacity == 0 || until <= now || (_entries.Count >= _capacity && !MadeRoom(now)))
        {
            return;
        }

        _entries[key] = new Entry(value, ticket.Generation, until, dependsOn);
        // A full fence, so the entry is visible before the generation is read. The listener fences the same way
        // between moving its generation on and enumerating the entries (Invalidate): at least one side sees the
        // other. Without them, x64 may let each side's read pass its own write, and both miss.
        Interlocked.MemoryBarrier();
        if (_invalidations.Generation != ticket.Generation)
        {
            // A change arrived while the value was read: it may predate the change.
            _entries.TryRemove(key, out _);
        }
    }

    /// <summary>Drops <paramref name="value"/>, when it is still what <paramref name="key"/> holds (a newer value stays).</summary>
    public void Remove(TKey key, TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && EqualityComparer<TValue>.Default.Equals(entry.Value, value))
        {
            _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry));
        }
    }

    /// <summary>
    /// Drops what a change reached. The listener has already moved its generation on, so a value stored meanwhile is
    /// either seen here or removed by <see cref="Store"/> itself.
    /// </summary>
    private void Invalidate(InvalidationReach reach)
    {
        var dropped = _entries.Count;
        if (reach.IsEverything)
        {
            Volatile.Write(ref _floor, _invalidations.Generation);
            _entries.Clear();
        }
        else
        {
            dropped = 0;
            foreach (var (key, entry) in _entries)
            {
                if (reach.Affects(entry.DependsOn) && _entries.TryRemove(new KeyValuePair<TKey, Entry>(key, entry)))
                {
                    dropped++;
                }
            }
        }

        Invalidated?.Invoke(reach, dropped);
    }

    private bool MadeRoom(DateTimeOffset now)
    {
        var floor = Volatile.Read(ref _floor);
        foreach (var (key, entry) in _entries)
        {
            if (entry.Generation < floor || now >= entry.Until)
            {
                _entries.TryRemove(key, out _);
            }
        }

        var excess = _entries.Count - (_capacity - _capacity / 10);
        foreach (var (key, _) in _entries)
        {
            if (excess-- <= 0)
            {
                break;
            }

            _entries.TryRemove(key, out _);
        }

        return _entries.Count < _capacity;
    }
}
