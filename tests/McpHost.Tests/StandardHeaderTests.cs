using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// Revision 2026-07-28 clients send <c>Mcp-Method</c> and <c>Mcp-Name</c>, which proxies may route by. The gate
/// decides on the body, so headers that disagree with it are refused (400, <c>-32020</c>) before auth is decided;
/// <c>server/discover</c> stays public. Raw HTTP, to see exactly what comes back.
/// </summary>
public sealed class StandardHeaderTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private const string July2026 = "2026-07-28";
    private static readonly string SearchCall = Request("tools/call", """{"name":"search","arguments":{"query":"anything"}}""");
    private static readonly string HealthCall = Request("tools/call", """{"name":"get_health","arguments":{}}""");

    [Fact]
    public async Task Server_discover_needs_no_token()
    {
        using var response = await fixture.PostMcpAsync(Request("server/discover", "{}", id: 3),
            protocolVersion: July2026, headers: Headers("server/discover"));
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"tools\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_public_name_in_the_header_does_not_let_a_protected_call_through_without_a_token()
    {
        // The body calls search (protected); the header claims get_health (public).
        using var response = await fixture.PostMcpAsync(SearchCall, protocolVersion: July2026, headers: Headers("tools/call", "get_health"));

        await AssertMismatchAsync(response, 7);
    }

    [Fact]
    public async Task A_protected_name_in_the_header_over_a_public_body_is_refused_too()
    {
        using var response = await fixture.PostMcpAsync(HealthCall, protocolVersion: July2026, headers: Headers("tools/call", "search"));

        await AssertMismatchAsync(response, 7);
    }

    [Fact]
    public async Task A_method_header_that_disagrees_is_refused_before_auth_even_with_an_older_revision()
    {
        using var disguised = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "x" }), protocolVersion: "2025-11-25",
            headers: Headers("tools/list"));
        using var listed = await fixture.PostMcpAsync(Request("tools/list", "{}", id: 4),
            protocolVersion: July2026, headers: Headers("tools/call", "search"));

        await AssertMismatchAsync(disguised, 7);
        await AssertMismatchAsync(listed, 4);
    }

    [Fact]
    public async Task A_mismatch_is_refused_even_with_a_valid_token_and_nothing_runs()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"], ["search"]);

        using var response = await fixture.PostMcpAsync(SearchCall, token, protocolVersion: July2026, headers: Headers("tools/call", "get_document"));

        await AssertMismatchAsync(response, 7);
        Assert.DoesNotContain(fixture.McpHost.Logs.Lines(), l => l.Contains("Principal=mcptoken:" + token[..12], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public async Task The_2026_revision_requires_both_headers_on_tools_call(bool sendMethod, bool sendName)
    {
        var headers = new Dictionary<string, string>();
        if (sendMethod)
        {
            headers["Mcp-Method"] = "tools/call";
        }

        if (sendName)
        {
            headers["Mcp-Name"] = "search";
        }

        using var response = await fixture.PostMcpAsync(SearchCall, protocolVersion: July2026, headers: headers);

        await AssertMismatchAsync(response, 7);
    }

    [Fact]
    public async Task A_name_list_or_a_badly_encoded_name_is_refused()
    {
        using var list = await fixture.PostMcpAsync(HealthCall, protocolVersion: July2026,
            headers: new Dictionary<string, string> { ["Mcp-Method"] = "tools/call", ["Mcp-Name"] = "get_health, search" });
        using var badBase64 = await fixture.PostMcpAsync(HealthCall, protocolVersion: July2026, headers: Headers("tools/call", "=?base64?not base64!?="));

        await AssertMismatchAsync(list, 7);
        await AssertMismatchAsync(badBase64, 7);
    }

    [Fact]
    public async Task Matching_headers_pass_plainly_or_base64_encoded_and_then_auth_decides()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        var encoded = "=?base64?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("get_health")) + "?=";

        using var plain = await fixture.PostMcpAsync(SearchCall, token, protocolVersion: July2026, headers: Headers("tools/call", "search"));
        using var base64 = await fixture.PostMcpAsync(HealthCall, protocolVersion: July2026, headers: Headers("tools/call", encoded));
        using var noToken = await fixture.PostMcpAsync(SearchCall, protocolVersion: July2026, headers: Headers("tools/call", "search"));

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, base64.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
    }

    [Fact]
    public async Task The_official_client_at_the_2026_revision_sends_headers_the_gate_accepts()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        await using var client = await fixture.ConnectAsync(token);

        var libraries = await McpHostFixture.CallAsync(client, "list_libraries");

        Assert.Equal(July2026, client.NegotiatedProtocolVersion);
        Assert.Equal(JsonValueKind.Array, libraries.ValueKind);
    }

    /// <summary>A 2026-07-28 request: the revision and the client's capabilities travel in <c>params._meta</c>.</summary>
    private static string Request(string method, string parameters, int id = 7)
    {
        var body = JsonNode.Parse(parameters)!.AsObject();
        body["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/protocolVersion"] = July2026,
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
            ["io.modelcontextprotocol/clientInfo"] = new JsonObject { ["name"] = "raw-test", ["version"] = "1.0" },
        };
        return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = body }.ToJsonString();
    }

    private static Dictionary<string, string> Headers(string method, string? name = null)
    {
        var headers = new Dictionary<string, string> { ["Mcp-Method"] = method };
        if (name is not null)
        {
            headers["Mcp-Name"] = name;
        }

        return headers;
    }

    private static async Task AssertMismatchAsync(HttpResponseMessage response, int id)
    {
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(id, body.GetProperty("id").GetInt32());
        Assert.Equal(-32020, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.StartsWith("Header mismatch", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("header_mismatch", body.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        Assert.False(response.Headers.WwwAuthenticate.Count > 0, "a header mismatch is not an auth challenge");
    }
}
