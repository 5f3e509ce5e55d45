namespace Mnemosyne.McpHost.Libraries;

/// <summary>
/// The library store (CONTRACT §5). Every read takes the caller's scope: a library or document outside it is
/// indistinguishable from one that does not exist. Implemented on Postgres (<c>librarydb</c>) and on Neo4j.
/// </summary>
public interface ILibraryStore
{
    /// <summary>Creates or migrates the store's schema; safe to run at every start and on several instances.</summary>
    Task EnsureSchemaAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<LibrarySummary>> ListLibrariesAsync(IReadOnlyCollection<string> scope, CancellationToken cancellationToken);

    /// <summary>Ranked full-text search over title and content, only inside <paramref name="libraries"/>.</summary>
    Task<IReadOnlyList<SearchHit>> SearchAsync(
        string query, IReadOnlyCollection<string> libraries, int limit, CancellationToken cancellationToken);

    Task<DocumentContent?> GetDocumentAsync(string uid, IReadOnlyCollection<string> scope, CancellationToken cancellationToken);

    Task<IReadOnlyList<LibrarySummary>> ListAllLibrariesAsync(CancellationToken cancellationToken);

    /// <summary>Creates or renames/moves a library; true when it was created.</summary>
    Task<bool> UpsertLibraryAsync(string uid, string name, string workspace, CancellationToken cancellationToken);

    /// <summary>Deletes a library and its documents; false when there was none.</summary>
    Task<bool> DeleteLibraryAsync(string uid, CancellationToken cancellationToken);

    Task<DocumentWrite> UpsertDocumentAsync(
        string libraryUid, string uid, string title, string content, CancellationToken cancellationToken);

    Task<bool> DeleteDocumentAsync(string libraryUid, string uid, CancellationToken cancellationToken);

    /// <summary>Throws when the store cannot be reached.</summary>
    Task PingAsync(CancellationToken cancellationToken);
}
