using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Libraries;

/// <summary>
/// What AuthService needs from the library store (CONTRACT §5): the uids of the libraries in some workspaces.
/// Postgres (<c>librarydb</c>) or Neo4j; McpHost owns the store's schema. Implementations throw
/// <see cref="LibraryStoreUnavailableException"/> when the store cannot answer.
/// </summary>
public interface ILibraryDirectory
{
    Task<IReadOnlyList<string>> LibrariesInWorkspacesAsync(IReadOnlyCollection<string> workspaceIds, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="LibraryStoreUnavailableException"/> when the store cannot be reached.</summary>
    Task PingAsync(CancellationToken cancellationToken);
}
