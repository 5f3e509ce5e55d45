using Mnemosyne.McpHost.Libraries;

namespace Mnemosyne.McpHost.Tests.LibraryStores;

/// <summary>
/// What every library store must do, written once; each store runs it through a subclass. Every test makes its own
/// uniquely named libraries, so a shared store (a Neo4j given by NEO4J_TEST_URL) is fine.
/// </summary>
public abstract class LibraryStoreBehaviour : IAsyncLifetime
{
    private readonly string _prefix = "t" + Guid.NewGuid().ToString("N")[..8] + "-";
    private readonly List<string> _libraries = [];
    private ILibraryStore? _store;

    protected ILibraryStore Store => _store ?? throw new InvalidOperationException("The store is not created.");

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>A store ready for use, or a skip when this store cannot run here.</summary>
    protected abstract Task<ILibraryStore> CreateStoreAsync();

    public async ValueTask InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.EnsureSchemaAsync(Cancel);
        await _store.EnsureSchemaAsync(Cancel); // twice: setting up the schema is idempotent
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            foreach (var library in _libraries)
            {
                await _store.DeleteLibraryAsync(library, CancellationToken.None);
            }
        }

        await ReleaseStoreAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees what <see cref="CreateStoreAsync"/> made, after this test's libraries are deleted.</summary>
    protected virtual ValueTask ReleaseStoreAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_library_is_created_then_updated_and_listed_only_within_scope()
    {
        var (mine, other) = (await LibraryAsync("ws-a", "Handbook"), await LibraryAsync("ws-b", "Other"));

        var updated = await Store.UpsertLibraryAsync(mine, "Staff handbook", "ws-c", Cancel);
        var listed = await Store.ListLibrariesAsync([mine, Uid("missing")], Cancel);
        var none = await Store.ListLibrariesAsync([], Cancel);
        var all = await Store.ListAllLibrariesAsync(Cancel);

        Assert.False(updated);
        Assert.Equal([new LibrarySummary(mine, "Staff handbook", "ws-c", 0)], listed);
        Assert.Empty(none);
        Assert.Contains(all, l => l.Uid == mine);
        Assert.Contains(all, l => l.Uid == other);
    }

    [Fact]
    public async Task Documents_are_created_updated_counted_and_read_only_within_scope()
    {
        var (library, other) = (await LibraryAsync("ws-a"), await LibraryAsync("ws-a"));
        var document = Uid("doc");

        var created = await Store.UpsertDocumentAsync(library, document, "Leave", "Ask first.", Cancel);
        var updated = await Store.UpsertDocumentAsync(library, document, "Leave policy", "Ask two weeks ahead.", Cancel);
        var taken = await Store.UpsertDocumentAsync(other, document, "Stolen", "No.", Cancel);
        var noLibrary = await Store.UpsertDocumentAsync(Uid("missing"), Uid("other-doc"), "T", "C", Cancel);

        Assert.Equal((DocumentWrite.Created, DocumentWrite.Updated), (created, updated));
        Assert.Equal((DocumentWrite.UidTaken, DocumentWrite.LibraryNotFound), (taken, noLibrary));
        Assert.Equal(new DocumentContent(document, library, "Leave policy", "Ask two weeks ahead."),
            await Store.GetDocumentAsync(document, [library], Cancel));
        Assert.Null(await Store.GetDocumentAsync(document, [other], Cancel));
        Assert.Null(await Store.GetDocumentAsync(document, [], Cancel));
        Assert.Equal(1, (await Store.ListLibrariesAsync([library], Cancel)).Single().DocumentCount);
        Assert.Equal(0, (await Store.ListLibrariesAsync([other], Cancel)).Single().DocumentCount);
    }

    [Fact]
    public async Task Search_ranks_title_matches_first_stays_in_scope_and_honours_the_limit()
    {
        var word = "zq" + Guid.NewGuid().ToString("N")[..8];
        var (library, outside) = (await LibraryAsync("ws-s"), await LibraryAsync("ws-s"));
        await Store.UpsertDocumentAsync(library, Uid("body"), "Weather", $"Clouds today; one {word} over the hills.", Cancel);
        await Store.UpsertDocumentAsync(library, Uid("title"), $"All about {word}", $"A survey of the {word} and its kind.", Cancel);
        await Store.UpsertDocumentAsync(outside, Uid("outside"), $"{word} elsewhere", $"{word} {word}", Cancel);

        var hits = await Store.SearchAsync(word, [library], 10, Cancel);
        var one = await Store.SearchAsync(word, [library], 1, Cancel);
        var nothing = await Store.SearchAsync(word, [], 10, Cancel);

        Assert.Equal([Uid("title"), Uid("body")], hits.Select(h => h.Document).ToArray());
        Assert.All(hits, h => Assert.Equal(library, h.Library));
        Assert.Contains($"**{word}**", hits[1].Snippet, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(Uid("title"), Assert.Single(one).Document);
        Assert.Empty(nothing);
    }

    [Fact]
    public async Task Search_understands_phrases_and_exclusions_and_treats_everything_else_as_text()
    {
        var word = "zq" + Guid.NewGuid().ToString("N")[..8];
        var library = await LibraryAsync("ws-p");
        await Store.UpsertDocumentAsync(library, Uid("red"), "Red", $"the red {word} rose", Cancel);
        await Store.UpsertDocumentAsync(library, Uid("blue"), "Blue", $"the {word} was blue, not red rose", Cancel);

        var phrase = await Store.SearchAsync($"\"red {word}\"", [library], 10, Cancel);
        var excluded = await Store.SearchAsync($"{word} -blue", [library], 10, Cancel);
        var both = await Store.SearchAsync($"{word} rose", [library], 10, Cancel);
        var symbols = await Store.SearchAsync($"{word} AND: (x)? [y] ~z* \\ / {{}} ^ \"unclosed", [library], 10, Cancel);

        Assert.Equal([Uid("red")], phrase.Select(h => h.Document).ToArray());
        Assert.Equal([Uid("red")], excluded.Select(h => h.Document).ToArray());
        Assert.Equal(2, both.Count);
        Assert.NotNull(symbols);
    }

    [Fact]
    public async Task Deleting_a_library_deletes_its_documents()
    {
        var library = await LibraryAsync("ws-d");
        var (kept, dropped) = (Uid("kept"), Uid("dropped"));
        await Store.UpsertDocumentAsync(library, kept, "K", "keep", Cancel);
        await Store.UpsertDocumentAsync(library, dropped, "D", "drop", Cancel);

        Assert.True(await Store.DeleteDocumentAsync(library, dropped, Cancel));
        Assert.False(await Store.DeleteDocumentAsync(library, dropped, Cancel));
        Assert.True(await Store.DeleteLibraryAsync(library, Cancel));
        Assert.False(await Store.DeleteLibraryAsync(library, Cancel));
        await Store.UpsertLibraryAsync(library, "Again", "ws-d", Cancel);

        Assert.Null(await Store.GetDocumentAsync(kept, [library], Cancel));
        Assert.Equal(0, (await Store.ListLibrariesAsync([library], Cancel)).Single().DocumentCount);
        Assert.Equal(DocumentWrite.Created, await Store.UpsertDocumentAsync(library, kept, "K", "keep", Cancel));
    }

    [Fact]
    public async Task The_store_answers_a_ping()
    {
        await Store.PingAsync(Cancel);

        Assert.NotNull(await Store.ListAllLibrariesAsync(Cancel));
    }

    private string Uid(string name) => _prefix + name;

    private async Task<string> LibraryAsync(string workspace, string? name = null)
    {
        var uid = Uid("lib" + _libraries.Count);
        Assert.True(await Store.UpsertLibraryAsync(uid, name ?? uid, workspace, Cancel));
        _libraries.Add(uid);
        return uid;
    }
}
