using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.AuthService.Libraries;

/// <summary>Reads library uids by workspace from Neo4j, with exactly the contract's statement (CONTRACT §5).</summary>
public sealed class Neo4jLibraryDirectory(Neo4jHttpClient neo4j) : ILibraryDirectory
{
    public async Task<IReadOnlyList<string>> LibrariesInWorkspacesAsync(
        IReadOnlyCollection<string> workspaceIds, CancellationToken cancellationToken)
    {
        if (workspaceIds.Count == 0)
        {
            return [];
        }

        try
        {
            var result = await neo4j.RunAsync("libraries_in_workspaces",
                "MATCH (l:Library) WHERE l.workspace_id IN $ws RETURN l.uid",
                new Dictionary<string, object?> { ["ws"] = workspaceIds }, cancellationToken);
            return result.Rows.Select(row => row[0].GetString()).OfType<string>().Where(uid => uid.Length > 0).Order(StringComparer.Ordinal).ToList();
        }
        catch (Neo4jException exception)
        {
            throw new LibraryStoreUnavailableException("neo4j", exception);
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            await neo4j.RunAsync("ping", "RETURN 1", null, cancellationToken);
        }
        catch (Neo4jException exception)
        {
            throw new LibraryStoreUnavailableException("neo4j", exception);
        }
    }
}
