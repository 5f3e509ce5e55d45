using System.Net;
using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>Refusals are HTTP (CONTRACT §4): status, WWW-Authenticate and a JSON-RPC error carrying the reason.</summary>
public sealed class RefusalTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private static readonly string SearchCall = McpHostFixture.ToolCall("search", new { query = "anything" });

    private string MetadataUrl => new Uri(fixture.McpHost.Address, "/.well-known/oauth-protected-resource/mcp").ToString();

    [Fact]
    public async Task No_token_gets_401_with_a_bare_challenge_and_the_reason()
    {
        using var response = await fixture.PostMcpAsync(SearchCall);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer resource_metadata=\"{MetadataUrl}\"", response.Headers.WwwAuthenticate.ToString());
        var body = await BodyAsync(response);
        Assert.Equal("2.0", body.GetProperty("jsonrpc").GetString());
        Assert.Equal(7, body.GetProperty("id").GetInt32());
        Assert.Equal(-32001, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Authentication required. Provide a Bearer token.", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("missing_token", Reason(body));
    }

    [Fact]
    public async Task Bad_token_gets_401_invalid_token_challenge()
    {
        using var response = await fixture.PostMcpAsync(SearchCall, token: "mnm_not-a-real-token");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal($"Bearer resource_metadata=\"{MetadataUrl}\", error=\"invalid_token\", error_description=\"Invalid MCP token.\"",
            response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("invalid_token", Reason(await BodyAsync(response)));
    }

    [Fact]
    public async Task Expired_and_deactivated_tokens_get_401_with_their_reasons()
    {
        var user = await fixture.Auth.CreateUserAsync();
        var (_, expiring) = await fixture.Auth.CreateTokenAsync(user, [], expiresAt: fixture.Time.GetUtcNow().AddSeconds(30));
        var (id, deactivated) = await fixture.Auth.CreateTokenAsync(user, []);
        await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/tokens/{id}/deactivate");
        fixture.Time.Advance(TimeSpan.FromSeconds(31));

        using var expiredResponse = await fixture.PostMcpAsync(SearchCall, expiring);
        using var deactivatedResponse = await fixture.PostMcpAsync(SearchCall, deactivated);

        Assert.Equal(HttpStatusCode.Unauthorized, expiredResponse.StatusCode);
        Assert.Equal("expired", Reason(await BodyAsync(expiredResponse)));
        Assert.Contains("error_description=\"Token has expired.\"", expiredResponse.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, deactivatedResponse.StatusCode);
        Assert.Equal("deactivated", Reason(await BodyAsync(deactivatedResponse)));
    }

    [Fact]
    public async Task Token_limited_to_search_gets_403_insufficient_scope_on_get_document()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"], ["search"]);

        using var search = await fixture.PostMcpAsync(SearchCall, token);
        using var getDocument = await fixture.PostMcpAsync(McpHostFixture.ToolCall("get_document", new { uid = "doc" }), token);

        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, getDocument.StatusCode);
        Assert.Equal(
            $"Bearer error=\"insufficient_scope\", error_description=\"Token does not have permission to call 'get_document'.\", resource_metadata=\"{MetadataUrl}\"",
            getDocument.Headers.WwwAuthenticate.ToString());
        var body = await BodyAsync(getDocument);
        Assert.Equal("tool_not_allowed", Reason(body));
        Assert.Equal("Token does not have permission to call 'get_document'.", body.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task The_official_client_surfaces_a_refused_call_as_an_error()
    {
        await using var client = await fixture.ConnectAsync("mnm_not-a-real-token");

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => McpHostFixture.CallRawAsync(client, "search", new() { ["query"] = "x" }));

        Assert.Contains("401", failure.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_the_cap_gets_413_without_reaching_auth_or_the_sdk(bool expectContinue)
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);

        // With Expect: 100-continue the refusal comes before the body is sent, as large uploads should. Without it the
        // client is still writing 16 MiB (more than the sockets' buffers hold) when the refusal comes: Kestrel reads
        // the rest and drops it (the gate lets it read that far), so the client gets the 413 rather than a reset.
        using var response = await fixture.PostMcpAsync(
            McpHostFixture.ToolCall("search", new { query = new string('q', 16 * 1024 * 1024) }), token, expectContinue: expectContinue);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("too_large", Reason(await BodyAsync(response)));
    }

    [Theory]
    [InlineData(1024, HttpStatusCode.OK)]
    [InlineData(15 * 1024, HttpStatusCode.OK)] // within the gate's first 16 KiB chunk: kept as an exact copy
    [InlineData(40 * 1024, HttpStatusCode.OK)] // larger than the chunk: spilled into a growing stream
    [InlineData(2 * 1024 * 1024, HttpStatusCode.RequestEntityTooLarge)]
    [InlineData(16 * 1024 * 1024, HttpStatusCode.RequestEntityTooLarge)] // more than the sockets hold: the rest is read and dropped
    public async Task A_chunked_body_without_a_length_is_read_whole_and_capped_like_any_other(int queryLength, HttpStatusCode expected)
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        using var client = fixture.McpHost.ClientWithBearer(token);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(McpHostFixture.ToolCall("search", new { query = new string('q', queryLength) }),
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.TransferEncodingChunked = true;
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Null(request.Content.Headers.ContentLength);
        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task A_foreign_origin_gets_403_and_an_allowed_one_passes()
    {
        const string list = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";

        using var foreign = await fixture.PostMcpAsync(list, origin: "http://evil.example");
        using var allowed = await fixture.PostMcpAsync(list, origin: McpHostFixture.AllowedOrigin);

        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"search","arguments":{"query":"x"}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","Method":"tools/call","params":{"name":"search","arguments":{"query":"x"}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_health","name":"search","arguments":{"query":"x"}}}""")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"query":"x"}}}]""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":""")]
    public async Task Ambiguous_or_broken_messages_are_refused_before_the_sdk(string body)
    {
        using var response = await fixture.PostMcpAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request", Reason(await BodyAsync(response)));
    }

    [Fact]
    public async Task Decisions_are_logged_with_principal_tool_and_count_but_never_the_token()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib-1", "lib-2"], ["search"]);

        using var allowed = await fixture.PostMcpAsync(SearchCall, token);
        using var refused = await fixture.PostMcpAsync(McpHostFixture.ToolCall("get_document", new { uid = "d" }), token);

        var lines = fixture.McpHost.Logs.Lines().ToList();
        Assert.Contains(lines, l => l.Contains("mcp.auth.decision", StringComparison.Ordinal)
            && l.Contains("Principal=mcptoken:" + token[..12], StringComparison.Ordinal)
            && l.Contains("Tool=search", StringComparison.Ordinal) && l.Contains("LibraryCount=2", StringComparison.Ordinal)
            && l.Contains("Outcome=allowed", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Tool=get_document", StringComparison.Ordinal)
            && l.Contains("Outcome=refused:tool_not_allowed", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(token, StringComparison.Ordinal) || l.Contains(token[12..], StringComparison.Ordinal));
    }

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private static string? Reason(JsonElement body) =>
        body.GetProperty("error").GetProperty("data").GetProperty("reason").GetString();
}
