using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The official TypeScript SDK client (npm <c>@modelcontextprotocol/sdk</c>, <c>clients/sdk-call.mjs</c>) makes an
/// authenticated call end to end, so a second MCP client implementation always runs against mcp-host. That client
/// also checks the structured result against the tool's outputSchema itself.
/// </summary>
public sealed class TypeScriptClientTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task The_typescript_sdk_client_searches_with_a_token_and_gets_text_and_structured_results()
    {
        var (library, document) = await fixture.AddLibraryWithDocumentAsync(AuthApi.Unique("ws"), "heliotrope");
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), [library]);

        var run = await NodeClients.RunAsync("sdk-call.mjs",
            [new Uri(fixture.McpHost.Address, "/mcp").ToString(), token, "search", """{"query":"heliotrope"}"""],
            TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 0, run.ToString());
        var answer = JsonDocument.Parse(run.Output).RootElement;
        Assert.Equal(["get_document", "get_health", "list_libraries", "search"],
            answer.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order().ToArray());
        Assert.All(answer.GetProperty("tools").EnumerateArray(),
            t => Assert.Equal(JsonValueKind.Object, t.GetProperty("outputSchema").ValueKind));
        var result = answer.GetProperty("result");
        Assert.False(result.TryGetProperty("isError", out var isError) && isError.GetBoolean(), run.Output);
        var text = JsonDocument.Parse(result.GetProperty("content")[0].GetProperty("text").GetString()!).RootElement;
        var hit = Assert.Single(text.EnumerateArray());
        Assert.Equal(library, hit.GetProperty("library").GetString());
        Assert.Equal(document, hit.GetProperty("document").GetString());
        // This client speaks revision 2025-11-25 (the C# client 2026-07-28), so the list arrives wrapped as an object.
        Assert.Equal("2025-11-25", answer.GetProperty("protocolVersion").GetString());
        Assert.Equal(text.GetRawText(), result.GetProperty("structuredContent").GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task The_typescript_sdk_client_is_refused_without_a_valid_token()
    {
        var run = await NodeClients.RunAsync("sdk-call.mjs",
            [new Uri(fixture.McpHost.Address, "/mcp").ToString(), "mnm_not-a-real-token", "search", """{"query":"x"}"""],
            TimeSpan.FromSeconds(60));

        Assert.True(run.ExitCode == 1, run.ToString());
        var error = JsonDocument.Parse(run.Output).RootElement.GetProperty("error");
        Assert.Equal(401, error.GetProperty("code").GetInt32());
        Assert.Contains("Invalid MCP token.", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
