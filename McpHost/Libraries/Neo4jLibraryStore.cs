using System.Text.Json;
using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>
/// The library store on Neo4j (CONTRACT §5): <c>(:Library {uid,name,workspace_id})-[:HAS_DOCUMENT]->(:Document
/// {uid,title,content})</c>, unique uids, and a full-text index over document title and content. Every value is a
/// Cypher parameter.
/// </summary>
public sealed class Neo4jLibraryStore(Neo4jHttpClient neo4j) : ILibraryStore
{
    public const string FullTextIndex = "document_text";

    private static readonly string[] Schema =
    [
        "CREATE CONSTRAINT library_uid IF NOT EXISTS FOR (l:Library) REQUIRE l.uid IS UNIQUE",
        "CREATE CONSTRAINT document_uid IF NOT EXISTS FOR (d:Document) REQUIRE d.uid IS UNIQUE",
        "CREATE INDEX library_workspace IF NOT EXISTS FOR (l:Library) ON (l.workspace_id)",
        $"CREATE FULLTEXT INDEX {FullTextIndex} IF NOT EXISTS FOR (d:Document) ON EACH [d.title, d.content]",
    ];

    private const string Summary =
        "OPTIONAL MATCH (l)-[:HAS_DOCUMENT]->(d:Document) " +
        "RETURN l.uid, l.name, l.workspace_id, count(d) ORDER BY l.name, l.uid";

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        foreach (var statement in Schema)
        {
            await RunAsync("schema", statement, null, cancellationToken);
        }
    }

    public async Task<IReadOnlyList<LibrarySummary>> ListLibrariesAsync(IReadOnlyCollection<string> scope, CancellationToken cancellationToken)
    {
        if (scope.Count == 0)
        {
            return [];
        }

        var result = await RunAsync("list_libraries", "MATCH (l:Library) WHERE l.uid IN $scope " + Summary,
            new Dictionary<string, object?> { ["scope"] = scope }, cancellationToken);
        return result.Rows.Select(ToSummary).ToList();
    }

    public async Task<IReadOnlyList<LibrarySummary>> ListAllLibrariesAsync(CancellationToken cancellationToken) =>
        (await RunAsync("list_all_libraries", "MATCH (l:Library) " + Summary, null, cancellationToken)).Rows.Select(ToSummary).ToList();

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(
        string query, IReadOnlyCollection<string> libraries, int limit, CancellationToken cancellationToken)
    {
        var lucene = LuceneQuery.From(query);
        if (libraries.Count == 0 || lucene.Length == 0)
        {
            return [];
        }

        var result = await RunAsync("search",
            $"CALL db.index.fulltext.queryNodes('{FullTextIndex}', $query) YIELD node, score " +
            "MATCH (l:Library)-[:HAS_DOCUMENT]->(node) WHERE l.uid IN $libraries " +
            "RETURN l.uid, node.uid, node.title, node.content ORDER BY score DESC, node.uid LIMIT $limit",
            new Dictionary<string, object?> { ["query"] = lucene, ["libraries"] = libraries, ["limit"] = limit }, cancellationToken);
        return result.Rows
            .Select(r => new SearchHit(r[0].GetString()!, r[1].GetString()!, r[2].GetString()!, Snippet.Of(r[3].GetString()!, query)))
            .ToList();
    }

    public async Task<DocumentContent?> GetDocumentAsync(string uid, IReadOnlyCollection<string> scope, CancellationToken cancellationToken)
    {
        if (scope.Count == 0)
        {
            return null;
        }

        var result = await RunAsync("get_document",
            "MATCH (l:Library)-[:HAS_DOCUMENT]->(d:Document {uid: $uid}) WHERE l.uid IN $scope RETURN d.uid, l.uid, d.title, d.content",
            new Dictionary<string, object?> { ["uid"] = uid, ["scope"] = scope }, cancellationToken);
        return result.Rows.Select(r => new DocumentContent(r[0].GetString()!, r[1].GetString()!, r[2].GetString()!, r[3].GetString()!))
            .SingleOrDefault();
    }

    public async Task<bool> UpsertLibraryAsync(string uid, string name, string workspace, CancellationToken cancellationToken)
    {
        var result = await RunAsync("upsert_library",
            "OPTIONAL MATCH (existing:Library {uid: $uid}) WITH existing IS NULL AS created " +
            "MERGE (l:Library {uid: $uid}) SET l.name = $name, l.workspace_id = $workspace RETURN created",
            new Dictionary<string, object?> { ["uid"] = uid, ["name"] = name, ["workspace"] = workspace }, cancellationToken);
        return result.Rows[0][0].GetBoolean();
    }

    public async Task<bool> DeleteLibraryAsync(string uid, CancellationToken cancellationToken) =>
        (await RunAsync("delete_library",
            "MATCH (l:Library {uid: $uid}) OPTIONAL MATCH (l)-[:HAS_DOCUMENT]->(d:Document) " +
            "WITH l, collect(d) AS documents FOREACH (d IN documents | DETACH DELETE d) DETACH DELETE l RETURN true",
            new Dictionary<string, object?> { ["uid"] = uid }, cancellationToken)).Rows.Count > 0;

    public async Task<DocumentWrite> UpsertDocumentAsync(
        string libraryUid, string uid, string title, string content, CancellationToken cancellationToken)
    {
        var parameters = new Dictionary<string, object?> { ["library"] = libraryUid, ["uid"] = uid, ["title"] = title, ["content"] = content };
        try
        {
            // Writes only when the uid is new or already this library's; no row back means one of the refusals.
            var written = await RunAsync("upsert_document",
                "MATCH (l:Library {uid: $library}) " +
                "OPTIONAL MATCH (owner:Library)-[:HAS_DOCUMENT]->(:Document {uid: $uid}) " +
                "OPTIONAL MATCH (existing:Document {uid: $uid}) " +
                "WITH l, owner, existing WHERE (owner IS NULL AND existing IS NULL) OR owner = l " +
                "MERGE (l)-[:HAS_DOCUMENT]->(d:Document {uid: $uid}) SET d.title = $title, d.content = $content " +
                "RETURN existing IS NULL",
                parameters, cancellationToken);
            if (written.Rows.Count > 0)
            {
                return written.Rows[0][0].GetBoolean() ? DocumentWrite.Created : DocumentWrite.Updated;
            }
        }
        catch (Neo4jQueryException exception) when (exception.Code == "Neo.ClientError.Schema.ConstraintValidationFailed")
        {
            return DocumentWrite.UidTaken; // created under another library meanwhile
        }

        var library = await RunAsync("library_exists", "MATCH (l:Library {uid: $library}) RETURN true",
            parameters, cancellationToken);
        return library.Rows.Count == 0 ? DocumentWrite.LibraryNotFound : DocumentWrite.UidTaken;
    }

    public async Task<bool> DeleteDocumentAsync(string libraryUid, string uid, CancellationToken cancellationToken) =>
        (await RunAsync("delete_document",
            "MATCH (:Library {uid: $library})-[:HAS_DOCUMENT]->(d:Document {uid: $uid}) DETACH DELETE d RETURN true",
            new Dictionary<string, object?> { ["library"] = libraryUid, ["uid"] = uid }, cancellationToken)).Rows.Count > 0;

    public Task PingAsync(CancellationToken cancellationToken) => RunAsync("ping", "RETURN 1", null, cancellationToken);

    private Task<Neo4jResult> RunAsync(
        string operation, string statement, IReadOnlyDictionary<string, object?>? parameters, CancellationToken cancellationToken) =>
        StoreBoundary.CallAsync("neo4j", () => neo4j.RunAsync(operation, statement, parameters, cancellationToken));

    private static LibrarySummary ToSummary(JsonElement[] row) =>
        new(row[0].GetString()!, row[1].GetString()!, row[2].GetString()!, row[3].GetInt32());
}
