using System.Text.Json;
using Mnemosyne.AuthService.AuthorizationServer;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The official TypeScript SDK client (npm <c>@modelcontextprotocol/sdk</c>, <c>clients/sdk-oauth.mjs</c>) signs in
/// with Mnemosyne's authorization server on its own — 401, discovery, dynamic registration or a client ID metadata
/// document, PKCE — and searches, so a second client implementation proves the whole flow. The script prints the
/// authorization URL as a JSON line; the test's <see cref="SignInDriver"/> is the browser (development sign-in as a
/// fresh user, consent) and writes the URL it was sent back to on the script's stdin. The client's documents come from
/// a <see cref="ClientMetadataServer"/>, which only auth-service trusts: the SDK never fetches its own document.
/// </summary>
public sealed class TypeScriptClientSignInTests(ClientMetadataFixture fixture) : IClassFixture<ClientMetadataFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_typescript_sdk_client_registers_signs_in_and_searches_as_the_user()
    {
        var username = AuthApi.Unique("user");
        using var browser = new SignInDriver(username);

        var answer = await SignInAndSearchAsync(browser, documentUrl: null);

        var clientId = answer.GetProperty("client").GetProperty("client_id").GetString()!;
        Assert.StartsWith("dcr_", clientId, StringComparison.Ordinal); // registered here, at /oauth/register
        Assert.Contains("Mnemosyne tests (TypeScript SDK)", browser.LastConsentPage, StringComparison.Ordinal);
        await AssertSignedInAndSearchedAsync(answer, username, clientId);
    }

    [Fact]
    public async Task The_typescript_sdk_client_signs_in_with_its_metadata_document_url_and_searches_as_the_user()
    {
        var clientId = fixture.Documents.NewUrl("ts-client.json");
        fixture.Documents.ServeJson(clientId, ClientMetadataServer.Document(clientId, "Mnemosyne tests (TypeScript SDK, CIMD)"));
        var username = AuthApi.Unique("user");
        using var browser = new SignInDriver(username);

        var answer = await SignInAndSearchAsync(browser, clientId);

        Assert.Equal(clientId, answer.GetProperty("client").GetProperty("client_id").GetString());
        Assert.Contains("Mnemosyne tests (TypeScript SDK, CIMD)", browser.LastConsentPage, StringComparison.Ordinal);
        Assert.Contains(Pages.Encode(clientId), browser.LastConsentPage, StringComparison.Ordinal);
        Assert.Equal(1, fixture.Documents.Requests(clientId)); // fetched by auth-service at the authorization request only
        await AssertSignedInAndSearchedAsync(answer, username, clientId);
    }

    /// <summary>Runs the script, signs in where it says, hands the redirect back, and returns what it printed last.</summary>
    private async Task<JsonElement> SignInAndSearchAsync(SignInDriver browser, string? documentUrl)
    {
        // The word is in a library of some workspace: a local user (no team) must still find nothing.
        var word = "edelweiss" + Guid.NewGuid().ToString("N")[..6];
        await fixture.AddLibraryWithDocumentAsync(AuthApi.Unique("ws"), word);
        string[] arguments = [fixture.Resource, OAuthFlow.Redirect.ToString(), word, .. documentUrl is null ? [] : new[] { documentUrl }];
        await using var sdk = NodeClients.Start("sdk-oauth.mjs", arguments);

        var authorize = await sdk.ReadLineAsync(line => line.StartsWith("{\"authorize\":", StringComparison.Ordinal), Timeout);
        var landing = await browser.AuthorizeAsync(new Uri(JsonDocument.Parse(authorize).RootElement.GetProperty("authorize").GetString()!),
            OAuthFlow.Redirect, Cancel);
        await sdk.WriteLineAsync(landing.ToString());
        var run = await sdk.WaitForExitAsync(Timeout);

        Assert.True(run.ExitCode == 0, run.ToString());
        return JsonDocument.Parse(run.Output.TrimEnd().Split('\n')[^1]).RootElement.Clone();
    }

    /// <summary>
    /// The SDK's search succeeded with a well-formed, empty result; mcp-host audited it as the signed-in user; and the
    /// token it used is this server's, for mcp-host's resource, the user and the client.
    /// </summary>
    private async Task AssertSignedInAndSearchedAsync(JsonElement answer, string username, string clientId)
    {
        var result = answer.GetProperty("result");
        Assert.False(result.TryGetProperty("isError", out var isError) && isError.GetBoolean(), answer.GetRawText());
        Assert.Equal(JsonValueKind.Array, result.GetProperty("structuredContent").GetProperty("result").ValueKind);
        Assert.Equal(0, result.GetProperty("structuredContent").GetProperty("result").GetArrayLength());
        Assert.Equal(0, JsonDocument.Parse(result.GetProperty("content")[0].GetProperty("text").GetString()!).RootElement.GetArrayLength());

        await fixture.FlushAuditAsync();
        var audited = (await fixture.Auth.AdminAsync(HttpMethod.Get,
                $"/admin/v1/audit?principal={Uri.EscapeDataString($"oauth:{username}@127.0.0.1")}")).Body
            .GetProperty("items").EnumerateArray().ToList();
        var call = Assert.Single(audited);
        Assert.Equal("allowed", call.GetProperty("outcome").GetString());
        Assert.Equal("search", call.GetProperty("tool").GetString());
        Assert.Equal("oauth", call.GetProperty("kind").GetString());

        var tokens = answer.GetProperty("tokens");
        new OAuthFlow(fixture.Issuer).AssertIssuedHere(tokens.GetProperty("access_token").GetString()!, username, clientId);
        // The SDK bound what it saved to the authorization server it discovered from mcp-host's metadata; the redirect
        // back named this issuer too (RFC 9207).
        Assert.Equal(fixture.Issuer, tokens.GetProperty("issuer").GetString());
        Assert.Equal(fixture.Issuer, answer.GetProperty("callback").GetProperty("iss").GetString());
    }
}
