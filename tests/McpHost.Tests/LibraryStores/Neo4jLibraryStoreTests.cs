using Mnemosyne.McpHost.Libraries;
using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.McpHost.Tests.LibraryStores;

/// <summary>
/// The store behaviour on a real Neo4j, when one is given: NEO4J_TEST_URL (e.g. http://localhost:7474), and
/// NEO4J_TEST_USER (default neo4j), NEO4J_TEST_PASSWORD, NEO4J_TEST_DATABASE (default neo4j). Skipped otherwise.
/// </summary>
public sealed class Neo4jLibraryStoreTests : LibraryStoreBehaviour
{
    protected override Task<ILibraryStore> CreateStoreAsync()
    {
        var url = Environment.GetEnvironmentVariable("NEO4J_TEST_URL");
        Assert.SkipWhen(string.IsNullOrEmpty(url), "Set NEO4J_TEST_URL (and NEO4J_TEST_PASSWORD) to run these against a real Neo4j.");
        var connection = Neo4jConnection.Parse(
            $"Endpoint={url};Username={Environment.GetEnvironmentVariable("NEO4J_TEST_USER") ?? "neo4j"};" +
            $"Password={Environment.GetEnvironmentVariable("NEO4J_TEST_PASSWORD")};" +
            $"Database={Environment.GetEnvironmentVariable("NEO4J_TEST_DATABASE") ?? "neo4j"}");
        return Task.FromResult<ILibraryStore>(new Neo4jLibraryStore(new Neo4jHttpClient(new HttpClient(), connection)));
    }
}
