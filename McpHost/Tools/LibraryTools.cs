using System.ComponentModel;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.McpHost.Libraries;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace Mnemosyne.McpHost.Tools;

/// <summary>
/// Reading libraries and documents. Each tool sees only the caller's resolved library list; a library or document
/// outside it answers exactly as one that does not exist. Every tool declares an outputSchema and answers with
/// structuredContent plus the same data as JSON text (<c>UseStructuredContent</c>), for clients of every revision.
/// </summary>
[McpServerToolType]
public sealed class LibraryTools(ILibraryStore store, IHttpContextAccessor http)
{
    private IReadOnlyList<string> Scope => CallerScope.LibrariesOf(http.HttpContext);

    [McpServerTool(Name = "list_libraries", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists the libraries this token may read, with their workspace and number of documents.")]
    public Task<IReadOnlyList<LibrarySummary>> ListLibrariesAsync(CancellationToken cancellationToken) =>
        store.ListLibrariesAsync(Scope, cancellationToken);

    [McpServerTool(Name = "search", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Full-text search over the titles and contents of documents in the libraries this token may read. Results are ranked best first, each with a short snippet (matches marked with **).")]
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(
        [Description("What to look for: words, \"a quoted phrase\", or -excluded words.")] string query,
        [Description("Only search this library (its uid). Omit to search every library you may read.")] string? library = null,
        [Description("Most results to return, 1 to 50.")] int limit = LibraryLimits.DefaultSearchResults,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(query) || query.Length > LibraryLimits.QueryLength)
        {
            throw new McpException($"'query' must be 1 to {LibraryLimits.QueryLength} characters.");
        }

        if (limit is < 1 or > LibraryLimits.MaxSearchResults)
        {
            throw new McpException($"'limit' must be 1 to {LibraryLimits.MaxSearchResults}.");
        }

        var scope = Scope;
        if (library is not null)
        {
            if (!scope.Contains(library, StringComparer.Ordinal)
                || (await store.ListLibrariesAsync([library], cancellationToken)).Count == 0)
            {
                throw new McpException($"Library '{Shorten(library)}' not found.");
            }

            scope = [library];
        }

        return await store.SearchAsync(query, scope, limit, cancellationToken);
    }

    [McpServerTool(Name = "get_document", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Returns one document (title and full content) by its uid, from a library this token may read.")]
    public async Task<DocumentContent> GetDocumentAsync(
        [Description("The document's uid, as returned by search.")] string uid,
        CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(uid) || uid.Length > LibraryLimits.IdentifierLength)
        {
            throw new McpException($"'uid' must be 1 to {LibraryLimits.IdentifierLength} characters.");
        }

        return await store.GetDocumentAsync(uid, Scope, cancellationToken)
            ?? throw new McpException($"Document '{uid}' not found.");
    }

    private static string Shorten(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
