using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Playwright;
using ModelContextProtocol.Client;

namespace Mnemosyne.Stack.Tests;

/// <summary>
/// Signing in to Mnemosyne's authorization server as a person does, in a real browser (Debian's Chromium driven by
/// Playwright) on the stack a fresh <c>dotnet run</c> starts: an MCP client registered itself and opens the
/// authorization URL; the development sign-in page takes a new username, the consent page names the client, the
/// resource and the scope, Allow sends the browser back to the client's loopback redirect with a code; the client
/// exchanges it and searches. What only a browser checks — the pages' security headers (CSP <c>form-action</c>, also
/// on the redirect after a form), cookies, the forms as rendered — is checked here.
/// </summary>
[Collection(nameof(DashboardBrowserTests))]
public sealed class SignInBrowserTests(StackApp stack)
{
    private const string Redirect = "http://127.0.0.1:7/callback";
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_person_signs_in_and_consents_in_a_browser_and_the_client_searches_with_its_token()
    {
        var origin = stack.App.GetEndpoint("mcp-host", "http");
        var resource = new Uri(origin, "/mcp").ToString();
        using var http = new HttpClient { BaseAddress = origin };
        using var registered = await http.PostAsJsonAsync("/oauth/register",
            new { redirect_uris = new[] { Redirect }, client_name = "Browser test client" }, Cancel);
        var clientId = (await registered.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("client_id").GetString()!;
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var authorize = QueryHelpers.AddQueryString(new Uri(origin, "/oauth/authorize").ToString(), new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = clientId, ["redirect_uri"] = Redirect, ["scope"] = "mnemosyne.read",
            ["resource"] = resource, ["state"] = "browser-state", ["code_challenge_method"] = "S256",
            ["code_challenge"] = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))),
        });

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await Chromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        var landing = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        await page.RouteAsync(Redirect + "**", async route =>
        {
            landing.TrySetResult(new Uri(route.Request.Url));
            await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/plain", Body = "back at the client" });
        });

        await page.GotoAsync(authorize);
        await page.GetByLabel("New or existing user").FillAsync("browser-" + Guid.NewGuid().ToString("N")[..8]);
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Sign in", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new PageGetByRoleOptions { Name = "Allow access?" }).WaitForAsync();
        var consent = await page.Locator("body").InnerTextAsync();
        await page.GetByRole(AriaRole.Button, new PageGetByRoleOptions { Name = "Allow", Exact = true }).ClickAsync();
        var back = await landing.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);

        Assert.Contains("Browser test client", consent, StringComparison.Ordinal);
        Assert.Contains(resource, consent, StringComparison.Ordinal);
        Assert.Contains("mnemosyne.read", consent, StringComparison.Ordinal);
        Assert.Contains("Allow sends you back to 127.0.0.1.", consent, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(back.Query);
        Assert.Equal("browser-state", query["state"].ToString());
        using var exchanged = await http.PostAsync("/oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = query["code"].ToString(), ["redirect_uri"] = Redirect,
            ["client_id"] = clientId, ["code_verifier"] = verifier, ["resource"] = resource,
        }), Cancel);
        var token = (await exchanged.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("access_token").GetString()!;
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(resource),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + token },
        }), cancellationToken: Cancel);
        var result = await client.CallToolAsync("search", new Dictionary<string, object?> { ["query"] = "revocation" }, cancellationToken: Cancel);
        Assert.NotEqual(true, result.IsError);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
