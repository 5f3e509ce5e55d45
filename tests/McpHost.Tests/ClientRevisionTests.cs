using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnemosyne.McpHost.Tests.Infrastructure;
using ModelContextProtocol.Client;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The official C# client speaks either revision the server does, 2025-11-25 (initialize handshake) and 2026-07-28
/// (stateless, <c>server/discover</c>): both list the tools with the caching hints the revision carries, call a tool with
/// a token and are refused without one. (The TypeScript client's revision, 2025-11-25, is in <see cref="TypeScriptClientTests"/>.)
/// </summary>
public sealed class ClientRevisionTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task The_csharp_client_lists_and_searches_with_a_token_at_either_revision(string revision)
    {
        var (library, document) = await fixture.AddLibraryWithDocumentAsync(AuthApi.Unique("ws"), "marigold");
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), [library]);
        await using var client = await ConnectAsync(revision, token);

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var hits = await McpHostFixture.CallAsync(client, "search", new() { ["query"] = "marigold", ["library"] = library });

        Assert.Equal(revision, client.NegotiatedProtocolVersion);
        Assert.Equal(["get_document", "get_health", "list_libraries", "search"], tools.Select(t => t.Name).Order().ToArray());
        Assert.Equal(document, Assert.Single(hits.EnumerateArray()).GetProperty("document").GetString());
    }

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public async Task The_csharp_client_is_refused_a_search_without_a_token_at_either_revision(string revision)
    {
        await using var client = await ConnectAsync(revision, token: null);

        var cancellation = TestContext.Current.CancellationToken;
        var refusal = await Assert.ThrowsAnyAsync<Exception>(() => client
            .CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "x" }, cancellationToken: cancellation)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(30), cancellation));

        Assert.Contains("401", refusal.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tools_list_is_public_and_cacheable_for_ten_minutes_at_the_2026_revision()
    {
        using var response = await fixture.PostMcpAsync(new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 5,
            ["method"] = "tools/list",
            ["params"] = new JsonObject
            {
                ["_meta"] = new JsonObject
                {
                    ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                    ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
                },
            },
        }.ToJsonString(), protocolVersion: "2026-07-28", headers: new Dictionary<string, string> { ["Mcp-Method"] = "tools/list" });
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var data = text.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
        var result = JsonDocument.Parse(data).RootElement.GetProperty("result");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("public", result.GetProperty("cacheScope").GetString());
        Assert.Equal(600_000, result.GetProperty("ttlMs").GetInt32());
    }

    private Task<McpClient> ConnectAsync(string revision, string? token)
    {
        var transport = new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.McpHost.Address, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
        };
        if (token is not null)
        {
            transport.AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token };
        }

        return McpClient.CreateAsync(new HttpClientTransport(transport), new McpClientOptions { ProtocolVersion = revision })
            .WaitAsync(TimeSpan.FromSeconds(30));
    }
}
