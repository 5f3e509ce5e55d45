using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Libraries;

/// <summary>
/// Which libraries each workspace holds, kept in memory so that resolving a team or OAuth token does not ask the
/// library store every time. A workspace is read from the store (<see cref="ILibraryDirectory"/>, one statement per
/// workspace, the contract's) the first time it is needed, then kept while this replica trusts its announcements
/// (<see cref="InvalidationListener"/>) until a change reaches it — a library put into, moved out of or deleted from
/// it, a team's workspaces set (<see cref="Dependency.Workspace"/>) — or a change of unknown reach, and at most
/// <see cref="AuthOptions.WorkspaceCacheSeconds"/>, for changes made in the store behind the admin APIs' back.
/// </summary>
public sealed class WorkspaceLibraries
{
    /// <summary>Workspaces kept at most; past that, a workspace is read afresh each time (never an unbounded map).</summary>
    private const int Capacity = 100_000;

    private readonly ILibraryDirectory _directory;
    private readonly InvalidationListener _invalidations;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _floor;

    private sealed record Entry(IReadOnlyList<string> Libraries, long Generation, DateTimeOffset Until);

    public WorkspaceLibraries(
        ILibraryDirectory directory, InvalidationListener invalidations, IOptions<AuthOptions> options, TimeProvider time)
    {
        _directory = directory;
        _invalidations = invalidations;
        _time = time;
        _lifetime = TimeSpan.FromSeconds(options.Value.WorkspaceCacheSeconds);
        invalidations.Advanced += Invalidate;
    }

    /// <summary>The uids of the libraries in <paramref name="workspaceIds"/>, in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> LibrariesInAsync(IReadOnlyCollection<string> workspaceIds, CancellationToken cancellationToken)
    {
        if (workspaceIds.Count == 0)
        {
            return [];
        }

        var generation = _invalidations.Generation;
        if (_lifetime == TimeSpan.Zero || !_invalidations.IsTrusted)
        {
            return await _directory.LibrariesInWorkspacesAsync(workspaceIds, cancellationToken);
        }

        var now = _time.GetUtcNow();
        var libraries = new List<string>();
        foreach (var workspace in workspaceIds)
        {
            if (_entries.TryGetValue(workspace, out var entry) && entry.Generation >= Volatile.Read(ref _floor) && now < entry.Until)
            {
                libraries.AddRange(entry.Libraries);
                continue;
            }

            var read = await _directory.LibrariesInWorkspacesAsync([workspace], cancellationToken);
            libraries.AddRange(read);
            Store(workspace, read, generation, now);
        }

        libraries.Sort(StringComparer.Ordinal);
        return libraries;
    }

    /// <summary>Keeps what was read under <paramref name="generation"/> unless a change has been heard of since.</summary>
    private void Store(string workspace, IReadOnlyList<string> libraries, long generation, DateTimeOffset now)
    {
        if (_entries.Count >= Capacity && !_entries.ContainsKey(workspace))
        {
            var floor = Volatile.Read(ref _floor);
            foreach (var (name, entry) in _entries)
            {
                if (entry.Generation < floor || now >= entry.Until)
                {
                    _entries.TryRemove(name, out _);
                }
            }

            if (_entries.Count >= Capacity)
            {
                return;
            }
        }

        _entries[workspace] = new Entry(libraries, generation, now + _lifetime);
        if (_invalidations.Generation != generation)
        {
            // A change arrived while the store was answering: what it said may predate the change.
            _entries.TryRemove(workspace, out _);
        }
    }

    private void Invalidate(InvalidationReach reach)
    {
        if (reach.IsEverything)
        {
            Volatile.Write(ref _floor, _invalidations.Generation);
            _entries.Clear();
            return;
        }

        foreach (var name in reach.Names!)
        {
            if (name.StartsWith(Dependency.WorkspacePrefix, StringComparison.Ordinal))
            {
                _entries.TryRemove(name[Dependency.WorkspacePrefix.Length..], out _);
            }
        }
    }
}
