using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.Testing;

/// <summary>
/// A real Neo4j for the behaviour tests, when one is given: NEO4J_TEST_URL (e.g. http://localhost:7474), and
/// NEO4J_TEST_USER (default neo4j), NEO4J_TEST_PASSWORD, NEO4J_TEST_DATABASE (default neo4j). Skips the test otherwise.
/// </summary>
public static class LiveNeo4j
{
    public static Neo4jHttpClient ClientOrSkip()
    {
        var url = Environment.GetEnvironmentVariable("NEO4J_TEST_URL");
        Assert.SkipWhen(string.IsNullOrEmpty(url), "Set NEO4J_TEST_URL (and NEO4J_TEST_PASSWORD) to run these against a real Neo4j.");
        return new Neo4jHttpClient(new HttpClient(), Neo4jConnection.Parse(
            $"Endpoint={url};Username={Environment.GetEnvironmentVariable("NEO4J_TEST_USER") ?? "neo4j"};" +
            $"Password={Environment.GetEnvironmentVariable("NEO4J_TEST_PASSWORD")};" +
            $"Database={Environment.GetEnvironmentVariable("NEO4J_TEST_DATABASE") ?? "neo4j"}"));
    }
}
