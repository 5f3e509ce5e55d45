using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// MCP clients that follow the MCP authorization spec (CONTRACT §6): the official C# client discovers the
/// authorization server from mcp-host's 401 and metadata, runs authorization code + PKCE against a real OpenIddict
/// server, and calls tools with the access token it got.
/// </summary>
public sealed class OAuthSignInTests(OAuthMcpHostFixture fixture) : IClassFixture<OAuthMcpHostFixture>
{
    [Fact]
    public async Task Mcp_client_signs_in_through_the_discovered_server_and_sees_exactly_its_teams_libraries()
    {
        var (group, workspace, elsewhere) = (AuthApi.Unique("grp"), AuthApi.Unique("ws"), AuthApi.Unique("ws"));
        var word = "heliotrope" + Guid.NewGuid().ToString("N")[..6];
        var (mine, _) = await fixture.AddLibraryWithDocumentAsync(workspace, word);
        var (theirs, _) = await fixture.AddLibraryWithDocumentAsync(elsewhere, word);
        var team = await fixture.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/teams",
            new { name = AuthApi.Unique("team"), workspaces = new[] { workspace }, groups = new[] { group } });
        Assert.Equal(HttpStatusCode.Created, team.Status);
        fixture.AuthorizationServer.User = (AuthApi.Unique("user"), [group, AuthApi.Unique("unmapped")]);
        var signIns = 0;

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.Resource),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                ClientId = TestAuthorizationServer.ClientId,
                RedirectUri = new Uri("http://127.0.0.1:1/callback"),
                AuthorizationCallbackHandler = async (context, cancellationToken) =>
                {
                    Interlocked.Increment(ref signIns);
                    var landing = await TestAuthorizationServer.FollowAuthorizeAsync(context.AuthorizationUri, context.RedirectUri, cancellationToken);
                    return new AuthorizationResult
                    {
                        Code = TestAuthorizationServer.QueryValue(landing, "code"),
                        State = TestAuthorizationServer.QueryValue(landing, "state"),
                        Iss = TestAuthorizationServer.QueryValue(landing, "iss"),
                    };
                },
            },
        }), cancellationToken: TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        var results = await McpHostFixture.CallAsync(client, "search", new() { ["query"] = word });
        var libraries = await McpHostFixture.CallAsync(client, "list_libraries");

        Assert.Equal(1, signIns);
        Assert.Equal([mine], results.EnumerateArray().Select(r => r.GetProperty("library").GetString()).Distinct());
        Assert.Equal([mine], libraries.EnumerateArray().Select(l => l.GetProperty("uid").GetString()));
        Assert.DoesNotContain(theirs, libraries.EnumerateArray().Select(l => l.GetProperty("uid").GetString()));
    }

    [Fact]
    public async Task Metadata_names_the_issuer_and_scope_and_the_401_challenge_names_the_scope()
    {
        var metadata = await fixture.McpHost.Http.GetFromJsonAsync<JsonElement>("/.well-known/oauth-protected-resource/mcp", TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        using var refused = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "x" }));

        Assert.Equal([fixture.AuthorizationServer.Issuer], AuthApi.Strings(metadata.GetProperty("authorization_servers")));
        Assert.Equal(["mnemosyne.read"], AuthApi.Strings(metadata.GetProperty("scopes_supported")));
        Assert.Equal(fixture.Resource, metadata.GetProperty("resource").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal($"Bearer resource_metadata=\"{MetadataUrl}\", scope=\"mnemosyne.read\"", refused.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Token_without_the_required_scope_is_403_with_a_scope_challenge()
    {
        var token = await fixture.AuthorizationServer.SignInAsync(fixture.Resource, scope: "openid");

        using var response = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "x" }), token);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal($"Bearer error=\"insufficient_scope\", scope=\"mnemosyne.read\", resource_metadata=\"{MetadataUrl}\"",
            response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("insufficient_scope", body.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(7, body.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Token_for_another_resource_is_401_invalid_audience()
    {
        var token = await fixture.AuthorizationServer.SignInAsync("https://elsewhere.example/mcp");

        using var response = await fixture.PostMcpAsync(McpHostFixture.ToolCall("search", new { query = "x" }), token);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_audience", body.GetProperty("error").GetProperty("data").GetProperty("reason").GetString());
        Assert.Contains("scope=\"mnemosyne.read\", error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    private string MetadataUrl => fixture.Resource.Replace("/mcp", "/.well-known/oauth-protected-resource/mcp", StringComparison.Ordinal);
}
