using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// Mnemosyne as the authorization server (CONTRACT §10), end to end through mcp-host's origin (forwarded to
/// auth-service): the official C# MCP client registers itself (RFC 7591), signs a user in on the development sign-in
/// page, consents and calls tools; the protocol's refusals, refresh rotation and reuse detection over raw HTTP. The
/// sign-in pages are driven over HTTP by <see cref="SignInDriver"/> (a browser-driven version is still to come).
/// </summary>
public sealed class AuthorizationServerTests(AuthorizationServerFixture fixture) : IClassFixture<AuthorizationServerFixture>
{
    private static readonly Uri Redirect = new("http://127.0.0.1:7/callback");
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
                RedirectUri = Redirect,
                DynamicClientRegistration = new DynamicClientRegistrationOptions { ClientName = "Mnemosyne tests (C# SDK)" },
                AuthorizationCallbackHandler = async (context, cancellationToken) =>
                {
                    var landing = await browser.AuthorizeAsync(context.AuthorizationUri, context.RedirectUri, cancellationToken);
                    return new AuthorizationResult
                    {
                        Code = Query(landing, "code"), State = Query(landing, "state"), Iss = Query(landing, "iss"),
                    };
                },
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
        var clientId = await RegisterAsync();

        var first = await SignInAsync(browser, clientId);
        var second = await SignInAsync(browser, clientId);
        var resolved = await fixture.Auth.ResolveAsync(first.GetProperty("access_token").GetString());
        var payload = Payload(first.GetProperty("access_token").GetString()!);

        Assert.Equal(1, browser.ConsentPages);
        Assert.True(second.TryGetProperty("access_token", out _));
        Assert.Equal(HttpStatusCode.OK, resolved.Status);
        Assert.Equal("oauth", resolved.Body.GetProperty("kind").GetString());
        Assert.Equal($"oauth:{username}@127.0.0.1", resolved.Body.GetProperty("principal").GetString());
        Assert.Equal(fixture.Issuer, payload.GetProperty("iss").GetString());
        Assert.Equal(fixture.Resource, payload.GetProperty("aud").ValueKind == JsonValueKind.Array
            ? payload.GetProperty("aud")[0].GetString() : payload.GetProperty("aud").GetString());
        Assert.Equal(username, payload.GetProperty("sub").GetString());
        Assert.Equal(clientId, payload.GetProperty("client_id").GetString());
        Assert.Contains("mnemosyne.read", payload.GetProperty("scope").GetString()!.Split(' '));
        Assert.InRange(payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64(), 1, 5 * 60);
    }

    [Fact]
    public async Task Refresh_token_rotates_and_a_reused_one_revokes_the_whole_grant()
    {
        using var browser = new SignInDriver(AuthApi.Unique("user"));
        var clientId = await RegisterAsync();
        var tokens = await SignInAsync(browser, clientId);
        var original = tokens.GetProperty("refresh_token").GetString()!;

        using var rotated = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = original, ["client_id"] = clientId });
        var next = (await rotated.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("refresh_token").GetString()!;
        using var reused = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = original, ["client_id"] = clientId });
        using var afterReuse = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = next, ["client_id"] = clientId });

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.NotEqual(original, next);
        Assert.Equal("invalid_grant", await ErrorAsync(reused));
        Assert.Equal("invalid_grant", await ErrorAsync(afterReuse));
    }

    [Fact]
    public async Task A_deactivated_user_gets_no_new_tokens_from_its_refresh_token()
    {
        var username = AuthApi.Unique("user");
        using var browser = new SignInDriver(username);
        var clientId = await RegisterAsync();
        var tokens = await SignInAsync(browser, clientId);

        var deactivated = await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/users/{username}/deactivate");
        using var refreshed = await TokenAsync(new()
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!, ["client_id"] = clientId,
        });

        Assert.Equal(HttpStatusCode.NoContent, deactivated.Status);
        Assert.Equal("invalid_grant", await ErrorAsync(refreshed));
    }

    [Fact]
    public async Task A_revoked_refresh_token_is_refused()
    {
        using var browser = new SignInDriver(AuthApi.Unique("user"));
        var clientId = await RegisterAsync();
        var refresh = (await SignInAsync(browser, clientId)).GetProperty("refresh_token").GetString()!;

        using var revoked = await fixture.McpHost.Http.PostAsync("/oauth/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = refresh, ["token_type_hint"] = "refresh_token", ["client_id"] = clientId,
        }), Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        using var refreshed = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refresh, ["client_id"] = clientId });

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal("invalid_grant", await ErrorAsync(refreshed));
    }

    [Fact]
    public async Task A_code_works_once()
    {
        using var browser = new SignInDriver(AuthApi.Unique("user"));
        var clientId = await RegisterAsync();
        var (verifier, challenge) = Pkce();
        var landing = await browser.AuthorizeAsync(AuthorizeUri(clientId, challenge), Redirect, Cancel);
        var exchange = new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = Query(landing, "code")!, ["redirect_uri"] = Redirect.ToString(),
            ["client_id"] = clientId, ["code_verifier"] = verifier, ["resource"] = fixture.Resource,
        };

        using var first = await TokenAsync(exchange);
        using var replayed = await TokenAsync(exchange);

        Assert.Equal(fixture.Issuer, Query(landing, "iss"));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("invalid_grant", await ErrorAsync(replayed));
    }

    [Theory]
    [InlineData("plain", "code_challenge_method")]
    [InlineData(null, "code_challenge")]
    public async Task Authorization_without_S256_PKCE_is_invalid_request(string? method, string named)
    {
        var clientId = await RegisterAsync();
        var parameters = AuthorizeParameters(clientId, method is null ? null : "verifier-that-is-long-enough-to-be-a-valid-pkce-value-0123");
        if (method is not null)
        {
            parameters["code_challenge_method"] = method;
        }

        var (error, description) = await AuthorizeErrorAsync(parameters);

        Assert.Equal("invalid_request", error);
        Assert.Contains(named, description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_resource_other_than_mcp_is_invalid_target()
    {
        var parameters = AuthorizeParameters(await RegisterAsync(), Pkce().Challenge);
        parameters["resource"] = "https://elsewhere.example/mcp";

        var (error, _) = await AuthorizeErrorAsync(parameters);

        Assert.Equal("invalid_target", error);
    }

    [Fact]
    public async Task Unknown_client_and_unregistered_redirect_are_refused_without_a_redirect()
    {
        var clientId = await RegisterAsync();
        var wrongRedirect = AuthorizeParameters(clientId, Pkce().Challenge);
        wrongRedirect["redirect_uri"] = "https://attacker.example/callback";

        var unknown = await AuthorizeErrorAsync(AuthorizeParameters("dcr_unknown", Pkce().Challenge));
        var redirect = await AuthorizeErrorAsync(wrongRedirect);

        Assert.Equal("invalid_request", unknown.Error);
        Assert.Contains("client_id", unknown.Description, StringComparison.Ordinal);
        Assert.Equal("invalid_request", redirect.Error);
        Assert.Contains("redirect_uri", redirect.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_loopback_redirect_may_use_any_port_but_nothing_else_may_differ()
    {
        using var browser = new SignInDriver(AuthApi.Unique("user"));
        var clientId = await RegisterAsync();
        var (_, challenge) = Pkce();
        var otherPort = AuthorizeParameters(clientId, challenge);
        otherPort["redirect_uri"] = "http://127.0.0.1:51234/callback";
        var otherPath = AuthorizeParameters(clientId, challenge);
        otherPath["redirect_uri"] = "http://127.0.0.1:51234/elsewhere";

        var landing = await browser.AuthorizeAsync(new Uri(new Uri(fixture.Issuer), "oauth/authorize" + QueryString.Create(otherPort)),
            new Uri("http://127.0.0.1:51234/callback"), Cancel);
        var refused = await AuthorizeErrorAsync(otherPath);

        Assert.NotNull(Query(landing, "code"));
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
        Assert.Equal(error, await ErrorAsync(response));
    }

    [Fact]
    public async Task A_client_asking_for_a_secret_is_registered_as_a_public_client()
    {
        using var response = await fixture.McpHost.Http.PostAsJsonAsync("/oauth/register", new
        {
            redirect_uris = new[] { Redirect.ToString() }, token_endpoint_auth_method = "client_secret_basic",
        }, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("none", body.GetProperty("token_endpoint_auth_method").GetString());
        Assert.False(body.TryGetProperty("client_secret", out _));
        Assert.Equal([Redirect.ToString()], AuthApi.Strings(body.GetProperty("redirect_uris")));
    }

    [Fact]
    public async Task Bad_token_requests_get_an_OAuth_error_never_a_500()
    {
        using var noGrant = await TokenAsync(new() { ["client_id"] = "x" });
        using var unsupported = await TokenAsync(new() { ["grant_type"] = "password", ["username"] = "a", ["password"] = "b" });
        using var bogusCode = await TokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = "bogus", ["client_id"] = await RegisterAsync(),
            ["redirect_uri"] = Redirect.ToString(), ["code_verifier"] = Pkce().Verifier,
        });

        Assert.Equal("invalid_request", await ErrorAsync(noGrant));
        Assert.Equal("unsupported_grant_type", await ErrorAsync(unsupported));
        Assert.Equal("invalid_grant", await ErrorAsync(bogusCode));
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

    private async Task<string> RegisterAsync()
    {
        using var response = await fixture.McpHost.Http.PostAsJsonAsync("/oauth/register", new
        {
            redirect_uris = new[] { Redirect.ToString() }, client_name = "Mnemosyne tests", token_endpoint_auth_method = "none",
            grant_types = new[] { "authorization_code", "refresh_token" },
        }, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"register answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("client_id").GetString()!;
    }

    /// <summary>Authorization code with PKCE for <c>mnemosyne.read offline_access</c>, then the code exchange.</summary>
    private async Task<JsonElement> SignInAsync(SignInDriver browser, string clientId)
    {
        var (verifier, challenge) = Pkce();
        var landing = await browser.AuthorizeAsync(AuthorizeUri(clientId, challenge), Redirect, Cancel);
        Assert.True(Query(landing, "code") is not null, $"No code: {landing}");
        using var response = await TokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = Query(landing, "code")!, ["redirect_uri"] = Redirect.ToString(),
            ["client_id"] = clientId, ["code_verifier"] = verifier, ["resource"] = fixture.Resource,
        });
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"token answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private Uri AuthorizeUri(string clientId, string challenge) =>
        new(new Uri(fixture.Issuer), "oauth/authorize" + QueryString.Create(AuthorizeParameters(clientId, challenge)));

    private Dictionary<string, string?> AuthorizeParameters(string clientId, string? challenge)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = Redirect.ToString(),
            ["scope"] = "mnemosyne.read offline_access", ["resource"] = fixture.Resource, ["state"] = "st",
        };
        if (challenge is not null)
        {
            parameters["code_challenge"] = challenge;
            parameters["code_challenge_method"] = "S256";
        }

        return parameters;
    }

    /// <summary>
    /// An authorization request OpenIddict refuses before it trusts the redirect URI: answered 400 on this origin,
    /// never redirected, with the OAuth error and description as <c>name:value</c> lines.
    /// </summary>
    private async Task<(string? Error, string Description)> AuthorizeErrorAsync(Dictionary<string, string?> parameters)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync(new Uri(new Uri(fixture.Issuer), "oauth/authorize" + QueryString.Create(parameters)), Cancel)
            .WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"authorize answered {(int)response.StatusCode}: {body}");
        var lines = body.Split('\n').Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return (lines.GetValueOrDefault("error"), lines.GetValueOrDefault("error_description") ?? "");
    }

    private async Task<HttpResponseMessage> TokenAsync(Dictionary<string, string> form) =>
        await fixture.McpHost.Http.PostAsync("/oauth/token", new FormUrlEncodedContent(form), Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);

    private static async Task<string?> ErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"Expected a 4xx OAuth error, got {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.True(json.TryGetProperty("error_description", out _), $"No error_description: {body}");
        return json.GetProperty("error").GetString();
    }

    private static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return (verifier, challenge);
    }

    private static string? Query(Uri uri, string name) =>
        QueryHelpers.ParseQuery(uri.Query).TryGetValue(name, out var value) ? value.ToString() : null;

    private static JsonElement Payload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonDocument.Parse(Convert.FromBase64String(part.PadRight(part.Length + (4 - part.Length % 4) % 4, '='))).RootElement.Clone();
    }
}
