using Mnemosyne.AuthService.Libraries;
using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.AuthService.Tests.LibraryDirectories;

/// <summary>The directory on a real Neo4j when one is given (<see cref="LiveNeo4j"/>); skipped otherwise.</summary>
public sealed class Neo4jLibraryDirectoryTests : LibraryDirectoryBehaviour
{
    private Neo4jHttpClient? _neo4j;

    protected override async Task<ILibraryDirectory> CreateAsync(IReadOnlyList<(string Uid, string Workspace)> libraries)
    {
        _neo4j = LiveNeo4j.ClientOrSkip();
        foreach (var (uid, workspace) in libraries)
        {
            await _neo4j.RunAsync("test_library", "CREATE (:Library {uid: $uid, name: $uid, workspace_id: $ws})",
                new Dictionary<string, object?> { ["uid"] = uid, ["ws"] = workspace }, Cancel);
        }

        return new Neo4jLibraryDirectory(_neo4j);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_neo4j is not null)
        {
            await _neo4j.RunAsync("test_cleanup", "MATCH (l:Library) WHERE l.uid STARTS WITH $prefix DETACH DELETE l",
                new Dictionary<string, object?> { ["prefix"] = Prefix }, CancellationToken.None);
        }

        await base.DisposeAsync();
    }
}
