using System.Net.Http.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;
using ModelContextProtocol.Client;

namespace Mnemosyne.McpHost.Tests;

/// <summary>Which library store McpHost uses, and what it says when it cannot use one.</summary>
public sealed class LibraryStoreSelectionTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task Without_any_library_store_the_service_refuses_to_start_saying_so()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => StartAsync(new Dictionary<string, string?>()));

        Assert.Contains("No library store is configured: set ", failure.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__librarydb (Postgres)", failure.Message, StringComparison.Ordinal);
//#if (LibraryStore != "postgres")
        Assert.Contains("ConnectionStrings__neo4j (Neo4j)", failure.Message, StringComparison.Ordinal);
//#endif
    }

//#if (LibraryStore != "postgres")
    [Fact]
    public async Task Neo4j_refusing_the_credentials_stops_the_service_saying_so()
    {
        await using var neo4j = await RefusingNeo4j.StartAsync();

        var logs = await TestHost.RunUntilItStopsAsync(
            () => StartAsync(new Dictionary<string, string?> { ["ConnectionStrings:neo4j"] = neo4j.ConnectionString }),
            TimeSpan.FromSeconds(20));

        Assert.Contains(logs.Lines(), l => l.StartsWith("Critical", StringComparison.Ordinal)
            && l.Contains("startup.unrecoverable", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines(), l => l.Contains("wrong-password", StringComparison.Ordinal));
    }
//#endif

//#if (LibraryStore != "postgres")
    [Fact]
    public async Task An_unreachable_neo4j_makes_the_service_unready_and_tools_say_the_store_is_unavailable()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        var closedPort = ExternalProcess.FreePort();
        await using var host = await StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:neo4j"] = $"Endpoint=http://127.0.0.1:{closedPort};Username=neo4j;Password=p;Database=neo4j",
        });
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(host.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        }), cancellationToken: TestContext.Current.CancellationToken);

        using var health = await host.Http.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        var search = await McpHostFixture.CallRawAsync(client, "search", new() { ["query"] = "anything" });
        var report = await McpHostFixture.CallAsync(client, "get_health");

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
        Assert.True(search.IsError);
        Assert.EndsWith("The library store is unavailable; try again shortly.", McpHostFixture.Text(search), StringComparison.Ordinal);
        Assert.Equal("unhealthy", report.GetProperty("libraryStore").GetString());

        // The library admin API says so too: 503 unavailable, not a 500.
        using var admin = host.ClientWithBearer(fixture.AdminKey);
        using var put = await admin.PutAsJsonAsync("/admin/v1/libraries/lib", new { name = "Lib", workspace = "ws" },
            TestContext.Current.CancellationToken);
        var problem = System.Text.Json.JsonDocument.Parse(await put.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, put.StatusCode);
        Assert.Equal(("unavailable", "Library store is unavailable."),
            (problem.GetProperty("reason").GetString(), problem.GetProperty("title").GetString()));
    }
//#endif

    private Task<TestHost> StartAsync(Dictionary<string, string?> store) =>
        fixture.StartMcpHostAsync(store, waitUntilHealthy: false);
}
