using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Libraries;

/// <summary>
/// Which libraries each workspace holds, kept in memory so that resolving a team or OAuth token does not ask the
/// library store every time. A workspace is read from the store (<see cref="ILibraryDirectory"/>, the contract's
/// statement, one workspace at a time) the first time it is needed, then kept (<see cref="InvalidatedCache{TKey,TValue}"/>)
/// until a change reaches it — a library put into, moved out of or deleted from it (<see cref="Dependency.Workspace"/>) —
/// or a change of unknown reach, and at most <see cref="AuthOptions.ScopeCacheSeconds"/>, for changes made in the
/// store behind the library admin API's back.
/// </summary>
public sealed class WorkspaceLibraries
{
    /// <summary>Workspaces kept at most.</summary>
    private const int Capacity = 100_000;

    private readonly ILibraryDirectory _directory;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly InvalidatedCache<string, IReadOnlyList<string>> _cache;

    public WorkspaceLibraries(
        ILibraryDirectory directory, InvalidationListener invalidations, IOptions<AuthOptions> options, TimeProvider time)
    {
        _directory = directory;
        _time = time;
        _lifetime = TimeSpan.FromSeconds(options.Value.ScopeCacheSeconds);
        _cache = new(invalidations, Capacity, time, StringComparer.Ordinal);
    }

    /// <summary>The uids of the libraries in <paramref name="workspaceIds"/>, in ordinal order.</summary>
    public async Task<IReadOnlyList<string>> LibrariesInAsync(IReadOnlyCollection<string> workspaceIds, CancellationToken cancellationToken)
    {
        var libraries = new List<string>();
        foreach (var workspace in workspaceIds)
        {
            if (!_cache.TryGet(workspace, out var kept))
            {
                var ticket = _cache.Begin();
                kept = await _directory.LibrariesInWorkspacesAsync([workspace], cancellationToken);
                _cache.Store(ticket, workspace, kept, _time.GetUtcNow() + _lifetime, [Dependency.Workspace(workspace)]);
            }

            libraries.AddRange(kept);
        }

        libraries.Sort(StringComparer.Ordinal);
        return libraries;
    }
}
