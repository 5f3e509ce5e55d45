using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// A public OAuth client of Mnemosyne's authorization server over raw HTTP on mcp-host's origin: registers itself
/// (RFC 7591), runs the authorization code flow with PKCE S256 for <c>mnemosyne.read offline_access</c> through a
/// <see cref="SignInDriver"/>, exchanges and refreshes tokens, and reads OAuth errors (asserting they are 4xx with
/// an <c>error_description</c>).
/// </summary>
public sealed class OAuthFlow(AuthorizationServerFixture fixture)
{
    public static readonly Uri Redirect = new("http://127.0.0.1:7/callback");
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async Task<string> RegisterAsync(string name = "Mnemosyne tests")
    {
        using var response = await fixture.McpHost.Http.PostAsJsonAsync("/oauth/register", new
        {
            redirect_uris = new[] { Redirect.ToString() }, client_name = name, token_endpoint_auth_method = "none",
            grant_types = new[] { "authorization_code", "refresh_token" },
        }, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"register answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("client_id").GetString()!;
    }

    /// <summary>The whole sign-in, then the code exchange: the token response.</summary>
    public async Task<JsonElement> SignInAsync(SignInDriver browser, string clientId)
    {
        var landing = await AuthorizeAsync(browser, clientId);
        Assert.True(Query(landing.Landing, "code") is not null, $"No code: {landing.Landing}");
        using var response = await TokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = Query(landing.Landing, "code")!, ["redirect_uri"] = Redirect.ToString(),
            ["client_id"] = clientId, ["code_verifier"] = landing.Verifier, ["resource"] = fixture.Resource,
        });
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"token answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The sign-in up to the redirect back to the client (a code, or an error).</summary>
    public async Task<(Uri Landing, string Verifier)> AuthorizeAsync(SignInDriver browser, string clientId)
    {
        var (verifier, challenge) = Pkce();
        var parameters = new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = Redirect.ToString(),
            ["scope"] = "mnemosyne.read offline_access", ["resource"] = fixture.Resource, ["state"] = "st",
            ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        };
        var uri = new Uri(new Uri(fixture.Issuer), "oauth/authorize" + QueryString.Create(parameters));
        return (await browser.AuthorizeAsync(uri, Redirect, Cancel), verifier);
    }

    public async Task<HttpResponseMessage> RefreshAsync(string clientId, string refreshToken) =>
        await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = clientId });

    public async Task<HttpResponseMessage> TokenAsync(Dictionary<string, string> form) =>
        await fixture.McpHost.Http.PostAsync("/oauth/token", new FormUrlEncodedContent(form), Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);

    public static async Task<string?> ErrorAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"Expected a 4xx OAuth error, got {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.True(json.TryGetProperty("error_description", out _), $"No error_description: {body}");
        return json.GetProperty("error").GetString();
    }

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    public static string? Query(Uri uri, string name) =>
        QueryHelpers.ParseQuery(uri.Query).TryGetValue(name, out var value) ? value.ToString() : null;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
