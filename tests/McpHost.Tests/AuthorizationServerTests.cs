using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// Mnemosyne as the authorization server (CONTRACT §10), end to end through mcp-host's origin (forwarded to
/// auth-service): the official C# MCP client registers itself (RFC 7591), signs a user in on the development sign-in
/// page, consents and calls tools; the protocol's refusals, refresh rotation and reuse detection over raw HTTP. The
/// sign-in pages are driven over HTTP by <see cref="SignInDriver"/> (a real browser drives them in Stack.Tests' `SignInBrowserTests`).
/// </summary>
public sealed class AuthorizationServerTests(AuthorizationServerFixture fixture) : IClassFixture<AuthorizationServerFixture>
{
    private readonly OAuthFlow _oauth = new(fixture.Issuer);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metadata_is_served_on_mcp_hosts_origin_and_names_this_issuer_first()
    {
        var resource = await GetJsonAsync("/.well-known/oauth-protected-resource/mcp");
        var metadata = await GetJsonAsync("/.well-known/oauth-authorization-server");
        var oidc = await GetJsonAsync("/.well-known/openid-configuration");

        Assert.Equal(fixture.Issuer, AuthApi.Strings(resource.GetProperty("authorization_servers"))[0]);
        Assert.Equal(fixture.Issuer, metadata.GetProperty("issuer").GetString());
        Assert.Equal(fixture.Issuer, oidc.GetProperty("issuer").GetString());
        Assert.Equal(fixture.Issuer + "oauth/authorize", metadata.GetProperty("authorization_endpoint").GetString());
        Assert.Equal(fixture.Issuer + "oauth/token", metadata.GetProperty("token_endpoint").GetString());
        Assert.Equal(fixture.Issuer + "oauth/revoke", metadata.GetProperty("revocation_endpoint").GetString());
        Assert.Equal(fixture.Issuer + "oauth/jwks", metadata.GetProperty("jwks_uri").GetString());
        Assert.Equal(fixture.Issuer + "oauth/register", metadata.GetProperty("registration_endpoint").GetString());
        Assert.Equal(["S256"], AuthApi.Strings(metadata.GetProperty("code_challenge_methods_supported")));
        Assert.Equal(["none"], AuthApi.Strings(metadata.GetProperty("token_endpoint_auth_methods_supported")));
        Assert.True(metadata.GetProperty("authorization_response_iss_parameter_supported").GetBoolean());
        Assert.True(metadata.GetProperty("client_id_metadata_document_supported").GetBoolean());
        Assert.Subset(new HashSet<string>(AuthApi.Strings(metadata.GetProperty("scopes_supported"))), new HashSet<string> { "mnemosyne.read", "offline_access" });
        var key = Assert.Single(Keys(await GetJsonAsync("/oauth/jwks")));
        Assert.Equal("EC", key.GetProperty("kty").GetString());
        Assert.False(key.TryGetProperty("d", out _), "The JWKS must not publish the private key.");
    }

    [Fact]
    public async Task Every_replica_signs_with_the_one_key_kept_in_authdb()
    {
        await using var replica = await TestHost.StartAuthServiceAsync(AuthServiceSettings(), fixture.Time);

        var first = Assert.Single(Keys(await GetJsonAsync("/oauth/jwks")));
        var second = Assert.Single(Keys(await replica.Http.GetFromJsonAsync<JsonElement>("/oauth/jwks", Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel)));

        Assert.Equal(first.GetProperty("kid").GetString(), second.GetProperty("kid").GetString());
        Assert.Equal(first.GetProperty("x").GetString(), second.GetProperty("x").GetString());
    }

    [Fact]
    public async Task Mcp_client_registers_signs_in_consents_and_searches_its_teams_libraries_once()
    {
        var username = AuthApi.Unique("user");
        var word = "amaranth" + Guid.NewGuid().ToString("N")[..6];
        await fixture.AddLibraryWithDocumentAsync(AuthApi.Unique("ws"), word);
        using var browser = new SignInDriver(username);

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.Resource),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = OAuthFlow.Redirect,
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "Mnemosyne tests (C# SDK)" },
                AuthorizationCallbackHandler = browser.CompleteAsync,
            },
        }), cancellationToken: Cancel).WaitAsync(TimeSpan.FromSeconds(60), Cancel);

        var results = await McpHostFixture.CallAsync(client, "search", new() { ["query"] = word });

        // A local user belongs to no team: signed in, allowed, and sees nothing.
        Assert.Equal(0, results.GetArrayLength());
        Assert.Equal(1, browser.ConsentPages);
    }

    [Fact]
    public async Task Access_token_resolves_as_the_signed_in_user_for_mcp_and_consent_is_remembered()
    {
        var username = AuthApi.Unique("user");
        using var browser = new SignInDriver(username);
        var clientId = await _oauth.RegisterAsync();

        var first = await _oauth.SignInAsync(browser, clientId);
        var second = await _oauth.SignInAsync(browser, clientId);
        var resolved = await fixture.Auth.ResolveAsync(first.GetProperty("access_token").GetString());

        Assert.Equal(1, browser.ConsentPages);
        Assert.True(second.TryGetProperty("access_token", out _));
        Assert.Equal(HttpStatusCode.OK, resolved.Status);
        Assert.Equal("oauth", resolved.Body.GetProperty("kind").GetString());
        Assert.Equal($"oauth:{username}@127.0.0.1", resolved.Body.GetProperty("principal").GetString());
        var payload = _oauth.AssertIssuedHere(first.GetProperty("access_token").GetString()!, username, clientId);
        Assert.InRange(payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64(), 1, 5 * 60);
    }

    [Fact]
    public async Task Refresh_token_rotates_and_a_reused_one_revokes_the_whole_grant()
    {
        using var browser = new SignInDriver(AuthApi.Unique("user"));
        var clientId = await _oauth.RegisterAsync();
        var tokens = await _oauth.SignInAsync(browser, clientId);
        var original = tokens.GetProperty("refresh_token").GetString()!;

        using var rotated = await _oauth.TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = original, ["client_id"] = clientId });
        var next = (await rotated.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("refresh_token").GetString()!;
        using var reused = await _oauth.TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = original, ["client_id"] = clientId });
        using var afterReuse = await _oauth.TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = next, ["client_id"] = clientId });

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.NotEqual(original, next);
        Assert.Equal("invalid_grant", await OAuthFlow.ErrorAsync(reused));
        Assert.Equal("invalid_grant", await OAuthFlow.ErrorAsync(afterReuse));
    }

    [Fact]
    public async Task A_deactivated_user_gets_no_new_tokens_from_its_refresh_token()
    {
        var username = AuthApi.Unique("user");
        using var browser = new SignInDriver(username);
        var clientId = await _oauth.RegisterAsync();
        var tokens = await _oauth.SignInAsync(browser, clientId);

        var deactivated = await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/users/{username}/deactivate");
        using var refreshed = await _oauth.TokenAsync(new()
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!, ["client_id"] = clientId,
        });

        Assert.Equal(HttpStatusCode.NoContent, deactivated.Status);
        Assert.Equal("invalid_grant", await OAuthFlow.ErrorAsync(refreshed));
    }

    [Fact]
    public async Task A_revoked_refresh_token_is_refused()
    {
        using var browser = new SignInDriver(AuthApi.Unique("user"));
        var clientId = await _oauth.RegisterAsync();
        var refresh = (await _oauth.SignInAsync(browser, clientId)).GetProperty("refresh_token").GetString()!;

        using var revoked = await fixture.McpHost.Http.PostAsync("/oauth/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = refresh, ["token_type_hint"] = "refresh_token", ["client_id"] = clientId,
        }), Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        using var refreshed = await _oauth.TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh, ["client_id"] = clientId });

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal("invalid_grant", await OAuthFlow.ErrorAsync(refreshed));
    }

    [Fact]
    public async Task A_code_works_once()
    {
        using var browser = new SignInDriver(AuthApi.Unique("user"));
        var clientId = await _oauth.RegisterAsync();
        var (verifier, challenge) = OAuthFlow.Pkce();
        var landing = await browser.AuthorizeAsync(_oauth.AuthorizeUri(_oauth.AuthorizeParameters(clientId, challenge)), OAuthFlow.Redirect, Cancel);
        var exchange = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = OAuthFlow.Query(landing, "code")!, ["redirect_uri"] = OAuthFlow.Redirect.ToString(),
            ["client_id"] = clientId, ["code_verifier"] = verifier, ["resource"] = fixture.Resource,
        };

        using var first = await _oauth.TokenAsync(exchange);
        using var replayed = await _oauth.TokenAsync(exchange);

        Assert.Equal(fixture.Issuer, OAuthFlow.Query(landing, "iss"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("invalid_grant", await OAuthFlow.ErrorAsync(replayed));
    }

    [Theory]
    [InlineData("plain", "code_challenge_method")]
    [InlineData(null, "code_challenge")]
    public async Task Authorization_without_S256_PKCE_is_invalid_request(string? method, string named)
    {
        var clientId = await _oauth.RegisterAsync();
        var parameters = _oauth.AuthorizeParameters(clientId, method is null ? null : "verifier-that-is-long-enough-to-be-a-valid-pkce-value-0123");
        if (method is not null)
        {
            parameters["code_challenge_method"] = method;
        }

        var (error, description) = await _oauth.AuthorizeErrorAsync(parameters);

        Assert.Equal("invalid_request", error);
        Assert.Contains(named, description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resource_other_than_mcp_is_invalid_target()
    {
        var parameters = _oauth.AuthorizeParameters(await _oauth.RegisterAsync(), OAuthFlow.Pkce().Challenge);
        parameters["resource"] = "https://elsewhere.example/mcp";

        var (error, _) = await _oauth.AuthorizeErrorAsync(parameters);

        Assert.Equal("invalid_target", error);
    }

    [Fact]
    public async Task Unknown_client_and_unregistered_redirect_are_refused_without_a_redirect()
    {
        var clientId = await _oauth.RegisterAsync();
        var wrongRedirect = _oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge);
        wrongRedirect["redirect_uri"] = "https://attacker.example/callback";

        var unknown = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters("dcr_unknown", OAuthFlow.Pkce().Challenge));
        var redirect = await _oauth.AuthorizeErrorAsync(wrongRedirect);

        Assert.Equal("invalid_request", unknown.Error);
        Assert.Contains("client_id", unknown.Description, StringComparison.Ordinal);
        Assert.Equal("invalid_request", redirect.Error);
        Assert.Contains("redirect_uri", redirect.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_loopback_redirect_may_use_any_port_but_nothing_else_may_differ()
    {
        using var browser = new SignInDriver(AuthApi.Unique("user"));
        var clientId = await _oauth.RegisterAsync();
        var (_, challenge) = OAuthFlow.Pkce();
        var otherPort = _oauth.AuthorizeParameters(clientId, challenge);
        otherPort["redirect_uri"] = "http://127.0.0.1:51234/callback";
        var otherPath = _oauth.AuthorizeParameters(clientId, challenge);
        otherPath["redirect_uri"] = "http://127.0.0.1:51234/elsewhere";

        var landing = await browser.AuthorizeAsync(new Uri(new Uri(fixture.Issuer), "oauth/authorize" + QueryString.Create(otherPort)),
            new Uri("http://127.0.0.1:51234/callback"), Cancel);
        var refused = await _oauth.AuthorizeErrorAsync(otherPath);

        Assert.NotNull(OAuthFlow.Query(landing, "code"));
        Assert.Equal("invalid_request", refused.Error);
    }

    [Theory]
    [InlineData("""{"redirect_uris":["http://attacker.example/cb"]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["javascript:alert(1)"]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["https://app.example/cb#frag"]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":[]}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":"https://app.example/cb"}""", "invalid_redirect_uri")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"grant_types":["client_credentials"]}""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":["https://app.example/cb"],"client_name":7}""", "invalid_client_metadata")]
    [InlineData("""[1,2]""", "invalid_client_metadata")]
    [InlineData("""{"redirect_uris":""", "invalid_client_metadata")]
    public async Task Bad_registrations_get_an_RFC_7591_error(string body, string error)
    {
        using var response = await fixture.McpHost.Http.PostAsync("/oauth/register",
            new StringContent(body, Encoding.UTF8, "application/json"), Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, await OAuthFlow.ErrorAsync(response));
    }

    [Fact]
    public async Task A_client_asking_for_a_secret_is_registered_as_a_public_client()
    {
        using var response = await fixture.McpHost.Http.PostAsJsonAsync("/oauth/register", new
        {
            redirect_uris = new[] { OAuthFlow.Redirect.ToString() }, token_endpoint_auth_method = "client_secret_basic",
        }, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("none", body.GetProperty("token_endpoint_auth_method").GetString());
        Assert.False(body.TryGetProperty("client_secret", out _));
        Assert.Equal([OAuthFlow.Redirect.ToString()], AuthApi.Strings(body.GetProperty("redirect_uris")));
    }

    [Fact]
    public async Task Bad_token_requests_get_an_OAuth_error_never_a_500()
    {
        using var noGrant = await _oauth.TokenAsync(new() { ["client_id"] = "x" });
        using var unsupported = await _oauth.TokenAsync(new() { ["grant_type"] = "password", ["username"] = "a", ["password"] = "b" });
        using var bogusCode = await _oauth.TokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = "bogus", ["client_id"] = await _oauth.RegisterAsync(),
            ["redirect_uri"] = OAuthFlow.Redirect.ToString(), ["code_verifier"] = OAuthFlow.Pkce().Verifier,
        });

        Assert.Equal("invalid_request", await OAuthFlow.ErrorAsync(noGrant));
        Assert.Equal("unsupported_grant_type", await OAuthFlow.ErrorAsync(unsupported));
        Assert.Equal("invalid_grant", await OAuthFlow.ErrorAsync(bogusCode));
    }

    private Dictionary<string, string?> AuthServiceSettings()
    {
        var settings = fixture.Settings();
        settings["Auth:AuthorizationServer:Enabled"] = "true";
        settings["Auth:AuthorizationServer:Issuer"] = fixture.Issuer;
        return settings;
    }

    private async Task<JsonElement> GetJsonAsync(string path) =>
        await fixture.McpHost.Http.GetFromJsonAsync<JsonElement>(path, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);

    private static JsonElement[] Keys(JsonElement jwks) => [.. jwks.GetProperty("keys").EnumerateArray()];
}
