using System.Net;
using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>What anyone may do without a token: list tools, call get_health, read the resource metadata.</summary>
public sealed class PublicSurfaceTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task Anonymous_tools_list_shows_the_four_documented_read_only_tools()
    {
        await using var client = await fixture.ConnectAsync();

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["get_document", "get_health", "list_libraries", "search"], tools.Select(t => t.Name).Order().ToArray());
        foreach (var tool in tools)
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description));
            Assert.True(tool.ProtocolTool.Annotations?.ReadOnlyHint);
            foreach (var parameter in tool.ProtocolTool.InputSchema.GetProperty("properties").EnumerateObject())
            {
                Assert.True(parameter.Value.TryGetProperty("description", out _), $"{tool.Name}.{parameter.Name} has no description");
            }
        }

        var search = tools.Single(t => t.Name == "search").ProtocolTool.InputSchema;
        Assert.Equal(["query"], search.GetProperty("required").EnumerateArray().Select(e => e.GetString()).ToArray());
    }

    [Fact]
    public async Task Anonymous_get_health_reports_both_dependencies()
    {
        await using var client = await fixture.ConnectAsync();

        var health = await McpHostFixture.CallAsync(client, "get_health");

        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("healthy", health.GetProperty("authService").GetString());
        Assert.Equal("healthy", health.GetProperty("libraryStore").GetString());
    }

    [Fact]
    public async Task Protected_resource_metadata_follows_rfc_9728()
    {
        using var response = await fixture.McpHost.Http.GetAsync(new Uri("/.well-known/oauth-protected-resource/mcp", UriKind.Relative), TestContext.Current.CancellationToken);
        var metadata = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Uri(fixture.McpHost.Address, "/mcp").ToString(), metadata.GetProperty("resource").GetString());
        Assert.Equal(["header"], metadata.GetProperty("bearer_methods_supported").EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.Equal(JsonValueKind.Array, metadata.GetProperty("authorization_servers").ValueKind);
        Assert.Equal("Mnemosyne", metadata.GetProperty("resource_name").GetString());
    }

    [Fact]
    public async Task Initialize_and_ping_of_the_2025_11_25_revision_need_no_token()
    {
        using var initialize = await fixture.PostMcpAsync("""
            {"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},
             "clientInfo":{"name":"raw-test","version":"1.0"}}}
            """);
        using var ping = await fixture.PostMcpAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""", protocolVersion: "2025-11-25");
        var initialized = await initialize.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, initialize.StatusCode);
        Assert.Contains("\"protocolVersion\":\"2025-11-25\"", initialized, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
    }
}
