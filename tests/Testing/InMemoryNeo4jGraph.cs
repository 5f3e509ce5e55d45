using System.Text.Json;

namespace Mnemosyne.Testing;

/// <summary>
/// The library graph <see cref="InMemoryNeo4j"/> holds — CONTRACT §5's <c>(:Library {uid,name,workspace_id})
/// -[:HAS_DOCUMENT]-&gt;(:Document {uid,title,content})</c> — and the statements it runs on it: each one word for word
/// as <c>Neo4jLibraryStore</c> and <c>Neo4jLibraryDirectory</c> send it, answered with the columns and rows Neo4j
/// answers. A statement it does not know is <see cref="UnknownStatementException"/>: when a service's statement changes,
/// this has to change with it, and until then every call with it fails instead of getting a made-up answer.
/// </summary>
internal sealed class InMemoryNeo4jGraph
{
    private const string Summary =
        "OPTIONAL MATCH (l)-[:HAS_DOCUMENT]->(d:Document) " +
        "RETURN l.uid, l.name, l.workspace_id, count(d) ORDER BY l.name, l.uid";

    private static readonly string[] SummaryFields = ["l.uid", "l.name", "l.workspace_id", "count(d)"];
    private readonly Dictionary<string, Library> _libraries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<Parameters, Result>> _statements;

    public InMemoryNeo4jGraph()
    {
        _statements = new(StringComparer.Ordinal)
        {
            ["CREATE CONSTRAINT library_uid IF NOT EXISTS FOR (l:Library) REQUIRE l.uid IS UNIQUE"] = _ => Result.Empty,
            ["CREATE CONSTRAINT document_uid IF NOT EXISTS FOR (d:Document) REQUIRE d.uid IS UNIQUE"] = _ => Result.Empty,
            ["CREATE INDEX library_workspace IF NOT EXISTS FOR (l:Library) ON (l.workspace_id)"] = _ => Result.Empty,
            ["CREATE FULLTEXT INDEX document_text IF NOT EXISTS FOR (d:Document) ON EACH [d.title, d.content]"] = _ => Result.Empty,
            ["RETURN 1"] = _ => new(["1"], [[1]]),
            ["MATCH (l:Library) WHERE l.workspace_id IN $ws RETURN l.uid"] = p =>
                new(["l.uid"], [.. _libraries.Values.Where(l => p.Strings("ws").Contains(l.Workspace)).Select(l => new object?[] { l.Uid })]),
            ["MATCH (l:Library) WHERE l.uid IN $scope " + Summary] = p => Summaries(l => p.Strings("scope").Contains(l.Uid)),
            ["MATCH (l:Library) " + Summary] = _ => Summaries(_ => true),
            ["CALL db.index.fulltext.queryNodes('document_text', $query) YIELD node, score " +
             "MATCH (l:Library)-[:HAS_DOCUMENT]->(node) WHERE l.uid IN $libraries " +
             "RETURN l.uid, node.uid, node.title, node.content ORDER BY score DESC, node.uid LIMIT $limit"] = Search,
            ["MATCH (l:Library)-[:HAS_DOCUMENT]->(d:Document {uid: $uid}) WHERE l.uid IN $scope RETURN d.uid, l.uid, d.title, d.content"] = p =>
                new(["d.uid", "l.uid", "d.title", "d.content"],
                    [.. FindDocument(p.String("uid")) is ({ } library, { } document) && p.Strings("scope").Contains(library.Uid)
                        ? [new object?[] { document.Uid, library.Uid, document.Title, document.Content }]
                        : Array.Empty<object?[]>()]),
            ["OPTIONAL MATCH (existing:Library {uid: $uid}) WITH existing IS NULL AS created " +
             "MERGE (l:Library {uid: $uid}) SET l.name = $name, l.workspace_id = $workspace RETURN created"] = UpsertLibrary,
            ["MATCH (l:Library {uid: $uid}) OPTIONAL MATCH (l)-[:HAS_DOCUMENT]->(d:Document) " +
             "WITH l, collect(d) AS documents FOREACH (d IN documents | DETACH DELETE d) DETACH DELETE l RETURN true"] = p =>
                new(["true"], _libraries.Remove(p.String("uid")) ? [[true]] : []),
            ["MATCH (l:Library {uid: $library}) " +
             "OPTIONAL MATCH (owner:Library)-[:HAS_DOCUMENT]->(:Document {uid: $uid}) " +
             "OPTIONAL MATCH (existing:Document {uid: $uid}) " +
             "WITH l, owner, existing WHERE (owner IS NULL AND existing IS NULL) OR owner = l " +
             "MERGE (l)-[:HAS_DOCUMENT]->(d:Document {uid: $uid}) SET d.title = $title, d.content = $content " +
             "RETURN existing IS NULL"] = UpsertDocument,
            ["MATCH (l:Library {uid: $library}) RETURN true"] = p =>
                new(["true"], _libraries.ContainsKey(p.String("library")) ? [[true]] : []),
            ["MATCH (:Library {uid: $library})-[:HAS_DOCUMENT]->(d:Document {uid: $uid}) DETACH DELETE d RETURN true"] = p =>
                new(["true"], _libraries.TryGetValue(p.String("library"), out var library) && library.Documents.Remove(p.String("uid")) ? [[true]] : []),
        };
    }

    /// <summary>A statement's columns and rows (strings, integers, booleans), as the Query API answers them.</summary>
    public sealed record Result(string[] Fields, IReadOnlyList<object?[]> Rows)
    {
        public static Result Empty { get; } = new([], []);
    }

    /// <summary>The statement is not one the services send.</summary>
    public sealed class UnknownStatementException(string statement)
        : Exception($"The in-memory Neo4j does not run this statement (only the library store's and directory's own): {statement}");

    /// <summary>The statement's parameters, read as the types the services send.</summary>
    public sealed class Parameters(JsonElement parameters)
    {
        public string String(string name) => parameters.GetProperty(name).GetString()!;

        public string[] Strings(string name) => [.. parameters.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

        public int Int(string name) => parameters.GetProperty(name).GetInt32();
    }

    /// <summary>Runs <paramref name="statement"/>; one at a time, as if each were its own transaction.</summary>
    public Result Run(string statement, JsonElement parameters)
    {
        var run = _statements.GetValueOrDefault(statement) ?? throw new UnknownStatementException(statement);
        lock (_libraries)
        {
            return run(new Parameters(parameters));
        }
    }

    private Result Summaries(Func<Library, bool> which) =>
        new(SummaryFields, [.. _libraries.Values.Where(which)
            .OrderBy(l => l.Name, StringComparer.Ordinal).ThenBy(l => l.Uid, StringComparer.Ordinal)
            .Select(l => new object?[] { l.Uid, l.Name, l.Workspace, l.Documents.Count })]);

    private Result Search(Parameters p)
    {
        var clauses = InMemoryNeo4jFullText.Parse(p.String("query"));
        var scope = p.Strings("libraries");
        var hits =
            from library in _libraries.Values
            where scope.Contains(library.Uid)
            from document in library.Documents.Values
            let score = InMemoryNeo4jFullText.Score(clauses, document.TitleTerms, document.ContentTerms)
            where score is not null
            orderby score descending, document.Uid
            select new object?[] { library.Uid, document.Uid, document.Title, document.Content };
        return new(["l.uid", "node.uid", "node.title", "node.content"], [.. hits.Take(p.Int("limit"))]);
    }

    private Result UpsertLibrary(Parameters p)
    {
        var uid = p.String("uid");
        var created = !_libraries.TryGetValue(uid, out var library);
        library ??= _libraries[uid] = new Library(uid);
        (library.Name, library.Workspace) = (p.String("name"), p.String("workspace"));
        return new(["created"], [[created]]);
    }

    private Result UpsertDocument(Parameters p)
    {
        var uid = p.String("uid");
        if (!_libraries.TryGetValue(p.String("library"), out var library)
            || (FindDocument(uid) is ({ } owner, _) && owner != library))
        {
            return new(["existing IS NULL"], []);
        }

        var created = !library.Documents.ContainsKey(uid);
        library.Documents[uid] = new Document(uid, p.String("title"), p.String("content"));
        return new(["existing IS NULL"], [[created]]);
    }

    private (Library?, Document?) FindDocument(string uid) =>
        _libraries.Values.Select(l => (l, l.Documents.GetValueOrDefault(uid))).FirstOrDefault(found => found.Item2 is not null);

    private sealed class Library(string uid)
    {
        public string Uid { get; } = uid;

        public string Name { get; set; } = "";

        public string Workspace { get; set; } = "";

        public Dictionary<string, Document> Documents { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>A document, and its fields as the full-text index holds them (analysed once, when written).</summary>
    private sealed record Document(string Uid, string Title, string Content)
    {
        public string[] TitleTerms { get; } = InMemoryNeo4jFullText.Terms(Title);

        public string[] ContentTerms { get; } = InMemoryNeo4jFullText.Terms(Content);
    }
}
