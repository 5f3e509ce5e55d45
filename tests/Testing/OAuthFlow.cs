using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Mnemosyne.Testing;

/// <summary>
/// A public OAuth client of Mnemosyne's authorization server over raw HTTP on mcp-host's origin: registers itself
/// (RFC 7591), runs the authorization code flow with PKCE S256 for <c>mnemosyne.read offline_access</c> through a
/// <see cref="SignInDriver"/>, exchanges and refreshes tokens, and reads OAuth errors — from the token endpoint (4xx
/// JSON with an <c>error_description</c>) and from the authorization endpoint before it trusts a redirect URI (400 on
/// the server's own page, never a redirect).
/// </summary>
public sealed class OAuthFlow(string issuer)
{
    public static readonly Uri Redirect = new("http://127.0.0.1:7/callback");
    private static readonly HttpClient Http = new();

    /// <summary>The issuer, mcp-host's origin with the trailing slash, as in <c>iss</c>.</summary>
    public Uri Issuer { get; } = new(issuer);

    /// <summary>mcp-host's <c>/mcp</c>: the resource every access token is asked for.</summary>
    public string Resource => Issuer + "mcp";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Registers a public client (RFC 7591) with <paramref name="redirect"/>, else <see cref="Redirect"/>: its client_id.</summary>
    public async Task<string> RegisterAsync(string name = "Mnemosyne tests", Uri? redirect = null)
    {
        using var response = await Http.PostAsJsonAsync(new Uri(Issuer, "oauth/register"), new
        {
            redirect_uris = new[] { (redirect ?? Redirect).ToString() }, client_name = name, token_endpoint_auth_method = "none",
            grant_types = new[] { "authorization_code", "refresh_token" },
        }, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"register answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("client_id").GetString()!;
    }

    /// <summary>The whole sign-in, then the code exchange: the token response.</summary>
    public async Task<JsonElement> SignInAsync(SignInDriver browser, string clientId)
    {
        var (landing, verifier) = await AuthorizeAsync(browser, clientId);
        Assert.True(Query(landing, "code") is not null, $"No code: {landing}");
        using var response = await TokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = Query(landing, "code")!, ["redirect_uri"] = Redirect.ToString(),
            ["client_id"] = clientId, ["code_verifier"] = verifier, ["resource"] = Resource,
        });
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"token answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The sign-in up to the redirect back to the client (with a code, or an error), and its PKCE verifier.</summary>
    public async Task<(Uri Landing, string Verifier)> AuthorizeAsync(SignInDriver browser, string clientId)
    {
        var (verifier, challenge) = Pkce();
        return (await browser.AuthorizeAsync(AuthorizeUri(AuthorizeParameters(clientId, challenge)), Redirect, Cancel), verifier);
    }

    /// <summary>An authorization request's parameters; without <paramref name="challenge"/>, no PKCE at all.</summary>
    public Dictionary<string, string?> AuthorizeParameters(string clientId, string? challenge, string? redirect = null)
    {
        var parameters = new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = redirect ?? Redirect.ToString(),
            ["scope"] = "mnemosyne.read offline_access", ["resource"] = Resource, ["state"] = "st",
        };
        if (challenge is not null)
        {
            parameters["code_challenge"] = challenge;
            parameters["code_challenge_method"] = "S256";
        }

        return parameters;
    }

    /// <summary>The authorization endpoint on mcp-host's origin, unless <paramref name="origin"/> (e.g. a replica).</summary>
    public Uri AuthorizeUri(Dictionary<string, string?> parameters, Uri? origin = null) =>
        new(origin ?? Issuer, "oauth/authorize" + QueryString.Create(parameters));

    /// <summary>
    /// An authorization request refused before its redirect URI is trusted: answered 400 on the server's own origin
    /// (mcp-host's, unless <paramref name="origin"/>), never redirected, with the OAuth error and description as
    /// <c>name:value</c> lines.
    /// </summary>
    public async Task<(string? Error, string Description)> AuthorizeErrorAsync(Dictionary<string, string?> parameters, Uri? origin = null)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync(AuthorizeUri(parameters, origin), Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"authorize answered {(int)response.StatusCode}: {body}");
        var lines = body.Split('\n').Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return (lines.GetValueOrDefault("error"), lines.GetValueOrDefault("error_description") ?? "");
    }

    public async Task<HttpResponseMessage> RefreshAsync(string clientId, string refreshToken) =>
        await TokenAsync(new() { ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = clientId });

    public async Task<HttpResponseMessage> TokenAsync(Dictionary<string, string> form) =>
        await Http.PostAsync(new Uri(Issuer, "oauth/token"), new FormUrlEncodedContent(form), Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);

    /// <summary>Asserts <paramref name="accessToken"/> is this server's, for mcp-host's <c>/mcp</c>, the user and client; its payload.</summary>
    public JsonElement AssertIssuedHere(string accessToken, string username, string clientId)
    {
        var payload = Payload(accessToken);
        Assert.Equal(Issuer.ToString(), payload.GetProperty("iss").GetString());
        Assert.Equal(Resource, payload.GetProperty("aud").ValueKind == JsonValueKind.Array
            ? payload.GetProperty("aud")[0].GetString() : payload.GetProperty("aud").GetString());
        Assert.Equal(username, payload.GetProperty("sub").GetString());
        Assert.Equal(clientId, payload.GetProperty("client_id").GetString());
        Assert.Contains("mnemosyne.read", payload.GetProperty("scope").GetString()!.Split(' '));
        return payload;
    }

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

    /// <summary>A JWT's payload, decoded (no check: the tests read what the server put in).</summary>
    public static JsonElement Payload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonDocument.Parse(Convert.FromBase64String(part.PadRight(part.Length + (4 - part.Length % 4) % 4, '='))).RootElement.Clone();
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
