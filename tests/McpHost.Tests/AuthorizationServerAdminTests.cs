using System.Net;
using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The operator's side of the authorization server (CONTRACT §10, §9): listing clients and grants, revoking a grant,
/// blocking a client and deactivating a user end the affected access tokens on the very next call — through
/// mcp-host's warm decision cache — and their refresh tokens, leave every other grant working, and are audited.
/// </summary>
public sealed class AuthorizationServerAdminTests(AuthorizationServerFixture fixture) : IClassFixture<AuthorizationServerFixture>
{
    private readonly OAuthFlow _oauth = new(fixture.Issuer);

    [Fact]
    public async Task Revoking_a_grant_ends_its_tokens_at_once_and_leaves_other_grants_alone()
    {
        var clientId = await _oauth.RegisterAsync();
        var (revokedUser, revoked) = await SignedInAsync(clientId);
        var (_, other) = await SignedInAsync(clientId);
        await AssertAllowedAsync(revoked);
        await AssertAllowedAsync(other);

        var grants = await fixture.Auth.AdminAsync(HttpMethod.Get, $"/admin/v1/oauth/grants?username={revokedUser}");
        var grant = Assert.Single(grants.Body.EnumerateArray().ToArray());
        var answer = await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/oauth/grants/{grant.GetProperty("id").GetString()}/revoke");

        Assert.Equal(HttpStatusCode.NoContent, answer.Status);
        Assert.Equal("deactivated", await RefusalAsync(revoked));
        await AssertAllowedAsync(other);
        using var refreshRevoked = await _oauth.RefreshAsync(clientId, Refresh(revoked));
        using var refreshOther = await _oauth.RefreshAsync(clientId, Refresh(other));
        Assert.Equal("invalid_grant", await OAuthFlow.ErrorAsync(refreshRevoked));
        Assert.Equal(HttpStatusCode.OK, refreshOther.StatusCode);

        Assert.Equal(revokedUser, grant.GetProperty("username").GetString());
        Assert.Equal(clientId, grant.GetProperty("clientId").GetString());
        Assert.Contains("mnemosyne.read", AuthApi.Strings(grant.GetProperty("scopes")));
        Assert.Equal(JsonValueKind.String, grant.GetProperty("createdAt").ValueKind);
        Assert.Equal(JsonValueKind.String, grant.GetProperty("lastUsedAt").ValueKind);
        Assert.Empty((await fixture.Auth.AdminAsync(HttpMethod.Get, $"/admin/v1/oauth/grants?username={revokedUser}")).Body.EnumerateArray());
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/oauth/grants/no-such-grant/revoke")).Status);
    }

    [Fact]
    public async Task Blocking_a_client_ends_its_tokens_and_sign_ins_until_unblocked()
    {
        var blockedClient = await _oauth.RegisterAsync("Blocked client");
        var otherClient = await _oauth.RegisterAsync();
        var username = AuthApi.Unique("user");
        using var browser = new SignInDriver(username);
        var blocked = await _oauth.SignInAsync(browser, blockedClient);
        var other = await _oauth.SignInAsync(browser, otherClient);
        await AssertAllowedAsync(blocked);

        var block = await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/oauth/clients/{blockedClient}/block");

        Assert.Equal(HttpStatusCode.NoContent, block.Status);
        Assert.Equal("deactivated", await RefusalAsync(blocked));
        await AssertAllowedAsync(other);
        using var refresh = await _oauth.RefreshAsync(blockedClient, Refresh(blocked));
        Assert.Equal("invalid_grant", await OAuthFlow.ErrorAsync(refresh));
        var (landing, _) = await _oauth.AuthorizeAsync(browser, blockedClient);
        Assert.Equal("unauthorized_client", OAuthFlow.Query(landing, "error"));

        var listed = Client(await fixture.Auth.AdminAsync(HttpMethod.Get, "/admin/v1/oauth/clients"), blockedClient);
        Assert.True(listed.GetProperty("blocked").GetBoolean());
        Assert.Equal("dcr", listed.GetProperty("kind").GetString());
        Assert.Equal("Blocked client", listed.GetProperty("name").GetString());
        Assert.Equal([OAuthFlow.Redirect.ToString()], AuthApi.Strings(listed.GetProperty("redirectUris")));
        Assert.Equal(JsonValueKind.String, listed.GetProperty("createdAt").ValueKind);

        var unblock = await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/oauth/clients/{blockedClient}/unblock");
        var again = await _oauth.SignInAsync(browser, blockedClient);

        Assert.Equal(HttpStatusCode.NoContent, unblock.Status);
        await AssertAllowedAsync(again);
        Assert.False(Client(await fixture.Auth.AdminAsync(HttpMethod.Get, "/admin/v1/oauth/clients"), blockedClient).GetProperty("blocked").GetBoolean());
        Assert.Equal(3, browser.ConsentPages);

        await fixture.FlushAuditAsync();
        var audit = await fixture.Auth.AdminAsync(HttpMethod.Get, "/admin/v1/audit?type=admin&limit=500");
        Assert.Contains(audit.Body.GetProperty("items").EnumerateArray(), e =>
            e.GetProperty("action").GetString() == "oauth-client.block"
            && e.GetProperty("target").GetString() == $"oauth/clients/{blockedClient}/block"
            && e.GetProperty("outcome").GetString() == "succeeded");
    }

    [Fact]
    public async Task A_client_id_that_is_a_url_is_named_url_encoded_and_decoded_once()
    {
        const string url = "https://app.example/clients/a%2Fb.json";

        var answer = await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/oauth/clients/{Uri.EscapeDataString(url)}/block");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal($"No OAuth client '{url}'.", answer.Title);
    }

    [Fact]
    public async Task Deactivating_a_user_ends_its_access_tokens_at_once()
    {
        var clientId = await _oauth.RegisterAsync();
        var (username, tokens) = await SignedInAsync(clientId);
        await AssertAllowedAsync(tokens);

        var answer = await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/users/{username}/deactivate");

        Assert.Equal(HttpStatusCode.NoContent, answer.Status);
        Assert.Equal("user_disabled", await RefusalAsync(tokens));
    }

    private async Task<(string Username, JsonElement Tokens)> SignedInAsync(string clientId)
    {
        var username = AuthApi.Unique("user");
        using var browser = new SignInDriver(username);
        return (username, await _oauth.SignInAsync(browser, clientId));
    }

    /// <summary>A tool call with the access token passes the gate (and leaves its decision in mcp-host's cache).</summary>
    private async Task AssertAllowedAsync(JsonElement tokens)
    {
        using var response = await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }), Access(tokens));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The reason mcp-host gives for refusing a tool call with the access token (which must be a 401).</summary>
    private async Task<string?> RefusalAsync(JsonElement tokens)
    {
        using var response = await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }), Access(tokens));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("data").GetProperty("reason").GetString();
    }

    private static JsonElement Client(AuthApi.Reply clients, string clientId) =>
        Assert.Single(clients.Body.EnumerateArray(), c => c.GetProperty("clientId").GetString() == clientId);

    private static string Access(JsonElement tokens) => tokens.GetProperty("access_token").GetString()!;

    private static string Refresh(JsonElement tokens) => tokens.GetProperty("refresh_token").GetString()!;
}
