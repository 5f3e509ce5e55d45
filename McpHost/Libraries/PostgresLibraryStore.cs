using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>The library store on Postgres (<c>librarydb</c>): full-text search with a GIN index, ranked, with a snippet.</summary>
public sealed class PostgresLibraryStore(LibraryDbContext db) : ILibraryStore
{
    // ts_headline marks matches with ** so a snippet reads as Markdown.
    private const string SnippetOptions = "StartSel=**, StopSel=**, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"";

    private const string Store = "librarydb";

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) =>
        StoreBoundary.CallAsync(Store, async () =>
        {
            // On a fresh database EF's first look at the history table fails and logs an Error; creating the table
            // first (what Migrate would do next anyway) keeps a healthy first start free of error lines.
            await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
            await db.Database.MigrateAsync(cancellationToken);
            return true;
        });

    public async Task<IReadOnlyList<LibrarySummary>> ListLibrariesAsync(
        IReadOnlyCollection<string> scope, CancellationToken cancellationToken) =>
        scope.Count == 0 ? [] : await StoreBoundary.CallAsync(Store,
            () => Summaries(db.Libraries.Where(l => scope.Contains(l.Uid))).ToListAsync(cancellationToken));

    public async Task<IReadOnlyList<LibrarySummary>> ListAllLibrariesAsync(CancellationToken cancellationToken) =>
        await StoreBoundary.CallAsync(Store, () => Summaries(db.Libraries).ToListAsync(cancellationToken));

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(
        string query, IReadOnlyCollection<string> libraries, int limit, CancellationToken cancellationToken)
    {
        if (libraries.Count == 0)
        {
            return [];
        }

        var scope = libraries.ToArray();
        return await StoreBoundary.CallAsync(Store, () => db.Database.SqlQuery<SearchHit>(
            $"""
            SELECT d.library_uid AS "Library", d.uid AS "Document", d.title AS "Title",
                   ts_headline('english', d.content, q, {SnippetOptions}) AS "Snippet"
            FROM documents d, websearch_to_tsquery('english', {query}) AS q
            WHERE d.library_uid = ANY({scope}) AND d.search_vector @@ q
            ORDER BY ts_rank(d.search_vector, q) DESC, d.uid
            LIMIT {limit}
            """).ToListAsync(cancellationToken));
    }

    public async Task<DocumentContent?> GetDocumentAsync(
        string uid, IReadOnlyCollection<string> scope, CancellationToken cancellationToken) =>
        scope.Count == 0
            ? null
            : await StoreBoundary.CallAsync(Store, () => db.Documents.AsNoTracking()
                .Where(d => d.Uid == uid && scope.Contains(d.LibraryUid))
                .Select(d => new DocumentContent(d.Uid, d.LibraryUid, d.Title, d.Content))
                .SingleOrDefaultAsync(cancellationToken));

    public async Task<bool> UpsertLibraryAsync(string uid, string name, string workspace, CancellationToken cancellationToken)
    {
        // ToListAsync, not SingleAsync: an INSERT … RETURNING cannot be composed into a subquery.
        var created = await StoreBoundary.CallAsync(Store, () => db.Database.SqlQuery<bool>(
            $"""
            INSERT INTO libraries (uid, name, workspace_id) VALUES ({uid}, {name}, {workspace})
            ON CONFLICT (uid) DO UPDATE SET name = EXCLUDED.name, workspace_id = EXCLUDED.workspace_id
            RETURNING (xmax = 0) AS "Value"
            """).ToListAsync(cancellationToken));
        return created[0];
    }

    public async Task<bool> DeleteLibraryAsync(string uid, CancellationToken cancellationToken) =>
        await StoreBoundary.CallAsync(Store, () => db.Libraries.Where(l => l.Uid == uid).ExecuteDeleteAsync(cancellationToken)) > 0;

    public Task<DocumentWrite> UpsertDocumentAsync(
        string libraryUid, string uid, string title, string content, CancellationToken cancellationToken) =>
        StoreBoundary.CallAsync(Store, () => WriteDocumentAsync(libraryUid, uid, title, content, cancellationToken));

    private async Task<DocumentWrite> WriteDocumentAsync(
        string libraryUid, string uid, string title, string content, CancellationToken cancellationToken)
    {
        try
        {
            // The WHERE keeps a uid owned by another library untouched: then no row comes back.
            var created = await db.Database.SqlQuery<bool>(
                $"""
                INSERT INTO documents (uid, library_uid, title, content) VALUES ({uid}, {libraryUid}, {title}, {content})
                ON CONFLICT (uid) DO UPDATE SET title = EXCLUDED.title, content = EXCLUDED.content
                WHERE documents.library_uid = EXCLUDED.library_uid
                RETURNING (xmax = 0) AS "Value"
                """).ToListAsync(cancellationToken);
            return created.Count == 0 ? DocumentWrite.UidTaken : created[0] ? DocumentWrite.Created : DocumentWrite.Updated;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return DocumentWrite.LibraryNotFound;
        }
    }

    public async Task<bool> DeleteDocumentAsync(string libraryUid, string uid, CancellationToken cancellationToken) =>
        await StoreBoundary.CallAsync(Store, () =>
            db.Documents.Where(d => d.Uid == uid && d.LibraryUid == libraryUid).ExecuteDeleteAsync(cancellationToken)) > 0;

    public Task PingAsync(CancellationToken cancellationToken) =>
        StoreBoundary.CallAsync(Store, () => db.Database.ExecuteSqlRawAsync("SELECT 1", cancellationToken));

    private static IQueryable<LibrarySummary> Summaries(IQueryable<Library> libraries) =>
        libraries.AsNoTracking()
            .OrderBy(l => l.Name).ThenBy(l => l.Uid)
            .Select(l => new LibrarySummary(l.Uid, l.Name, l.WorkspaceId, l.Documents.Count));
}
