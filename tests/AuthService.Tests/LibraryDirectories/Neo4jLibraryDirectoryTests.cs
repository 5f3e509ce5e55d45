using Mnemosyne.AuthService.Libraries;
using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.AuthService.Tests.LibraryDirectories;

/// <summary>The directory on a real Neo4j when NEO4J_TEST_URL (+ NEO4J_TEST_PASSWORD) is set; skipped otherwise.</summary>
public sealed class Neo4jLibraryDirectoryTests : LibraryDirectoryBehaviour
{
    private Neo4jHttpClient? _neo4j;

    protected override async Task<ILibraryDirectory> CreateAsync(IReadOnlyList<(string Uid, string Workspace)> libraries)
    {
        var url = Environment.GetEnvironmentVariable("NEO4J_TEST_URL");
        Assert.SkipWhen(string.IsNullOrEmpty(url), "Set NEO4J_TEST_URL (and NEO4J_TEST_PASSWORD) to run these against a real Neo4j.");
        _neo4j = new Neo4jHttpClient(new HttpClient(), Neo4jConnection.Parse(
            $"Endpoint={url};Username={Environment.GetEnvironmentVariable("NEO4J_TEST_USER") ?? "neo4j"};" +
            $"Password={Environment.GetEnvironmentVariable("NEO4J_TEST_PASSWORD")};" +
            $"Database={Environment.GetEnvironmentVariable("NEO4J_TEST_DATABASE") ?? "neo4j"}"));
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
