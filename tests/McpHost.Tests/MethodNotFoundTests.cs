using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// A request for a method mcp-host does not serve (removed in 2026-07-28, never offered, or unknown) reveals nothing,
/// so the gate answers it <c>-32601</c> Method not found without asking for a token: HTTP 404 from revision 2026-07-28
/// on, an ordinary JSON-RPC error before it. Notifications keep their way. Raw HTTP, to see exactly what comes back.
/// </summary>
public sealed class MethodNotFoundTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private const string July2026 = "2026-07-28";

    [Theory]
    [InlineData("logging/setLevel")]
    [InlineData("resources/subscribe")]
    [InlineData("resources/unsubscribe")]
    [InlineData("prompts/list")]
    [InlineData("completion/complete")]
    [InlineData("subscriptions/listen")]
    [InlineData("unknown/method")]
    public async Task A_method_not_served_answers_404_method_not_found_without_a_token(string method)
    {
        using var response = await fixture.PostMcpAsync(Request(method, id: 41), protocolVersion: July2026,
            headers: new Dictionary<string, string> { ["Mcp-Method"] = method });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await AssertMethodNotFoundAsync(response, 41, method);
    }

    [Fact]
    public async Task With_a_token_the_answer_is_the_same_and_nothing_is_decided()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);

        using var response = await fixture.PostMcpAsync(Request("prompts/get", id: 42, name: "summary"), token, protocolVersion: July2026,
            headers: new Dictionary<string, string> { ["Mcp-Method"] = "prompts/get", ["Mcp-Name"] = "summary" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await AssertMethodNotFoundAsync(response, 42, "prompts/get");
        Assert.DoesNotContain(fixture.McpHost.Logs.Lines(), l => l.Contains("Principal=mcptoken:" + token[..12], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("2025-11-25")]
    [InlineData(null)]
    public async Task Before_the_2026_revision_it_is_an_ordinary_json_rpc_error(string? protocolVersion)
    {
        using var response = await fixture.PostMcpAsync("""{"jsonrpc":"2.0","id":"x-1","method":"logging/setLevel","params":{"level":"debug"}}""",
            protocolVersion: protocolVersion);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("x-1", body.GetProperty("id").GetString());
        Assert.Equal(-32601, body.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Notifications_keep_their_way_and_served_methods_still_need_their_token()
    {
        using var initialized = await fixture.PostMcpAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        using var unknownNotification = await fixture.PostMcpAsync("""{"jsonrpc":"2.0","method":"unknown/method"}""");
        using var search = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "x" }));

        Assert.Equal(HttpStatusCode.Accepted, initialized.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownNotification.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, search.StatusCode);
    }

    [Fact]
    public async Task A_long_method_name_is_shortened_in_the_answer()
    {
        var method = new string('m', 5000);

        using var response = await fixture.PostMcpAsync(Request(method, id: 43), protocolVersion: July2026,
            headers: new Dictionary<string, string> { ["Mcp-Method"] = method });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var message = await AssertMethodNotFoundAsync(response, 43, method[..64]);
        Assert.True(message.Length < 100, message);
    }

    /// <summary>A 2026-07-28 request: the revision and the client's capabilities travel in <c>params._meta</c>.</summary>
    private static string Request(string method, int id, string? name = null)
    {
        var parameters = new JsonObject
        {
            ["_meta"] = new JsonObject
            {
                ["io.modelcontextprotocol/protocolVersion"] = July2026,
                ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            },
        };
        if (name is not null)
        {
            parameters["name"] = name;
        }

        return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString();
    }

    private static async Task<string> AssertMethodNotFoundAsync(HttpResponseMessage response, int id, string method)
    {
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(id, body.GetProperty("id").GetInt32());
        var error = body.GetProperty("error");
        Assert.Equal(-32601, error.GetProperty("code").GetInt32());
        Assert.Equal("method_not_found", error.GetProperty("data").GetProperty("reason").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains(method, message, StringComparison.Ordinal);
        Assert.False(response.Headers.WwwAuthenticate.Count > 0, "a method not found is not an auth challenge");
        return message;
    }
}
