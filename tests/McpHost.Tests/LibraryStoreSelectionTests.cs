namespace Mnemosyne.McpHost.Tests;

/// <summary>Which library store McpHost uses, and what it says when it cannot use one.</summary>
public sealed class LibraryStoreSelectionTests
{
    [Fact]
    public async Task Without_any_library_store_the_service_refuses_to_start_saying_so()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(new Dictionary<string, string?>()));

        Assert.Contains("No library store is configured: set ConnectionStrings__neo4j", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Neo4j_refusing_the_credentials_stops_the_service_saying_so()
    {
        await using var neo4j = await RefusingNeo4j.StartAsync();
        await using var host = await StartAsync(new Dictionary<string, string?> { ["ConnectionStrings:neo4j"] = neo4j.ConnectionString });

        await host.StoppingAsync(TimeSpan.FromSeconds(20));

        Assert.Contains(host.Logs.Lines, l => l.StartsWith("Critical", StringComparison.Ordinal)
            && l.Contains("library_store.credentials_refused", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, l => l.Contains("wrong-password", StringComparison.Ordinal));
    }

    private static Task<TestHost> StartAsync(Dictionary<string, string?> store)
    {
        store["Auth:AdminKey"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        store["Auth:InternalKey"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        store["services:auth-service:http:0"] = "http://127.0.0.1:9";
        return TestHost.StartAsync(typeof(McpHostSetup).Assembly.GetName().Name!, store, TimeProvider.System,
            builder => builder.AddMcpHost(), app => app.MapMcpHost(), waitUntilHealthy: false);
    }
}
