using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// Structured tool results (MCP 2025-06-18 and later): every tool declares an outputSchema, and every result carries
/// structuredContent with the same data as its text block, which older clients read. Before revision 2026-07-28 both
/// must be objects, so the SDK carries an array result as <c>{"result":[…]}</c> there; from 2026-07-28 it is the array.
/// </summary>
public sealed class StructuredResultTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private static readonly string[] ListTools = ["list_libraries", "search"];

    [Fact]
    public async Task Every_tool_declares_an_output_schema_describing_its_fields()
    {
        await using var client = await fixture.ConnectAsync();

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(4, tools.Count);
        foreach (var tool in tools)
        {
            var schema = tool.ProtocolTool.OutputSchema;
            Assert.True(schema is { ValueKind: JsonValueKind.Object }, $"{tool.Name} has no outputSchema");
            Assert.Equal(ListTools.Contains(tool.Name) ? "array" : "object", schema!.Value.GetProperty("type").GetString());
        }

        var search = tools.Single(t => t.Name == "search").ProtocolTool.OutputSchema!.Value;
        var hit = search.GetProperty("items").GetProperty("properties");
        Assert.Equal(["document", "library", "snippet", "title"], hit.EnumerateObject().Select(p => p.Name).Order().ToArray());
        Assert.All(hit.EnumerateObject(), p => Assert.True(p.Value.TryGetProperty("description", out _), p.Name));
    }

    [Fact]
    public async Task Each_tool_returns_structured_content_equal_to_its_text()
    {
        var (library, document) = await fixture.AddLibraryWithDocumentAsync(AuthApi.Unique("ws"), "marmalade");
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), [library]);
        await using var client = await fixture.ConnectAsync(token);

        foreach (var (tool, arguments) in new (string, Dictionary<string, object?>)[]
        {
            ("get_health", []),
            ("list_libraries", []),
            ("search", new() { ["query"] = "marmalade" }),
            ("get_document", new() { ["uid"] = document }),
        })
        {
            var result = await McpHostFixture.CallRawAsync(client, tool, arguments);

            Assert.False(result.IsError == true, $"{tool}: {McpHostFixture.Text(result)}");
            var text = JsonNode.Parse(McpHostFixture.Text(result));
            var structured = JsonSerializer.SerializeToNode(result.StructuredContent);
            Assert.True(JsonNode.DeepEquals(text, structured), $"{tool}: text {text?.ToJsonString()} vs structured {structured?.ToJsonString()}");
            Assert.Contains(ListTools.Contains(tool) ? library : tool == "get_health" ? "healthy" : document, text!.ToJsonString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_2025_06_18_client_sees_object_schemas_and_the_array_wrapped_as_result()
    {
        var (library, _) = await fixture.AddLibraryWithDocumentAsync(AuthApi.Unique("ws"), "quince");
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), [library]);

        var tools = await ResultAsync(await fixture.PostMcpAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", protocolVersion: "2025-06-18"));
        var call = await ResultAsync(await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }), token, protocolVersion: "2025-06-18"));

        foreach (var tool in tools.GetProperty("tools").EnumerateArray())
        {
            Assert.Equal("object", tool.GetProperty("outputSchema").GetProperty("type").GetString());
        }

        var text = JsonNode.Parse(call.GetProperty("content")[0].GetProperty("text").GetString()!);
        var structured = JsonNode.Parse(call.GetProperty("structuredContent").GetRawText())!.AsObject();
        Assert.Equal(["result"], structured.Select(p => p.Key).ToArray());
        Assert.True(JsonNode.DeepEquals(text, structured["result"]), $"{text?.ToJsonString()} vs {structured.ToJsonString()}");
        Assert.Equal(library, text![0]!["uid"]!.GetValue<string>());
    }

    private static async Task<JsonElement> ResultAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var data = body.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))["data: ".Length..];
            return JsonDocument.Parse(data).RootElement.GetProperty("result").Clone();
        }
    }
}
