namespace Mnemosyne.AuthService.Libraries;

/// <summary>
/// What AuthService needs from the library store (CONTRACT §5): the uids of the libraries in some workspaces.
/// Postgres (<c>librarydb</c>) here; Neo4j later. McpHost owns the store's schema.
/// </summary>
public interface ILibraryDirectory
{
    Task<IReadOnlyList<string>> LibrariesInWorkspacesAsync(IReadOnlyCollection<string> workspaceIds, CancellationToken cancellationToken);
}
