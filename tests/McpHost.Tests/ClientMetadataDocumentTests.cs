using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;
using Mnemosyne.AuthService.AuthorizationServer;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// Client ID metadata documents (draft-ietf-oauth-client-id-metadata-document; MCP 2025-11-25's recommended client
/// registration) at Mnemosyne's authorization server, end to end through mcp-host's origin: the official C# MCP
/// client signs in with a document URL as its client_id and searches; the document's redirect URIs, name and cache
/// lifetime rule the stored client; and every document or fetch this server cannot use is a clear OAuth error on its
/// own page (never a redirect, never a 500) — unfetchable, slow, oversized, redirected, not JSON, not matching its URL,
/// hostile, from a special-use address. Documents come from a real https server the test starts on loopback
/// (<see cref="ClientMetadataServer"/>); the private-address refusal uses a replica with the setting at its default.
/// </summary>
public sealed class ClientMetadataDocumentTests(ClientMetadataFixture fixture) : IClassFixture<ClientMetadataFixture>
{
    private readonly OAuthFlow _oauth = new(fixture.Issuer);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private ClientMetadataServer Documents => fixture.Documents;

    [Fact]
    public async Task Mcp_client_signs_in_with_its_metadata_document_url_and_searches()
    {
        var clientId = Documents.NewUrl("mcp-client.json");
        Documents.ServeJson(clientId, ClientMetadataServer.Document(clientId, "Mnemosyne tests (C# SDK, CIMD)"));
        var word = "hyacinth" + Guid.NewGuid().ToString("N")[..6];
        await fixture.AddLibraryWithDocumentAsync(AuthApi.Unique("ws"), word);
        using var browser = new SignInDriver(AuthApi.Unique("user"));

        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(fixture.Resource),
            TransportMode = HttpTransportMode.StreamableHttp,
            OAuth = new ClientOAuthOptions
            {
                RedirectUri = OAuthFlow.Redirect,
                ClientMetadataDocumentUri = new Uri(clientId),
                AuthorizationCallbackHandler = browser.CompleteAsync,
            },
        }), cancellationToken: Cancel).WaitAsync(TimeSpan.FromSeconds(60), Cancel);

        var results = await McpHostFixture.CallAsync(client, "search", new() { ["query"] = word });

        Assert.Equal(0, results.GetArrayLength()); // a local user belongs to no team
        Assert.Contains("Mnemosyne tests (C# SDK, CIMD)", browser.LastConsentPage, StringComparison.Ordinal);
        Assert.Contains(Pages.Encode(clientId), browser.LastConsentPage, StringComparison.Ordinal);
        Assert.Equal(1, Documents.Requests(clientId)); // fetched at the authorization request, cached for the token request
    }

    [Fact]
    public async Task The_stored_client_follows_the_document_once_its_cache_lifetime_is_over()
    {
        var clientId = Documents.NewUrl("client.json");
        Documents.ServeJson(clientId, ClientMetadataServer.Document(clientId, "Cached client v1"), cacheControl: "max-age=60");
        using var first = new SignInDriver(AuthApi.Unique("user"));
        var tokens = await _oauth.SignInAsync(first, clientId);

        Documents.ServeJson(clientId, ClientMetadataServer.Document(clientId, "Cached client v2", redirect: "http://127.0.0.1/elsewhere"));
        fixture.Time.Advance(TimeSpan.FromSeconds(61)); // past max-age, not past the 5-minute floor
        using var second = new SignInDriver(AuthApi.Unique("user"));
        await _oauth.SignInAsync(second, clientId);
        var fetchesWithinLifetime = Documents.Requests(clientId);

        fixture.Time.Advance(ClientMetadataLifetime.Min - TimeSpan.FromSeconds(60));
        var oldRedirect = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));
        using var third = new SignInDriver(AuthApi.Unique("user"));
        var parameters = _oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge, "http://127.0.0.1:9/elsewhere");
        var landing = await third.AuthorizeAsync(_oauth.AuthorizeUri(parameters), new Uri("http://127.0.0.1:9/elsewhere"), Cancel);
        using var refreshed = await _oauth.TokenAsync(new()
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.GetProperty("refresh_token").GetString()!, ["client_id"] = clientId,
        });

        Assert.Contains("Cached client v1", first.LastConsentPage, StringComparison.Ordinal);
        Assert.Contains("Cached client v1", second.LastConsentPage, StringComparison.Ordinal);
        Assert.Equal(1, fetchesWithinLifetime);
        Assert.Equal("invalid_request", oldRedirect.Error);
        Assert.Contains("redirect_uri", oldRedirect.Description, StringComparison.Ordinal);
        Assert.NotNull(OAuthFlow.Query(landing, "code"));
        Assert.Contains("Cached client v2", third.LastConsentPage, StringComparison.Ordinal);
        Assert.Equal(2, Documents.Requests(clientId));
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode); // the grant made under the old document stays valid
    }

    [Fact]
    public async Task A_redirect_uri_the_document_does_not_list_is_refused_on_this_servers_page()
    {
        var clientId = Documents.NewUrl("client.json");
        Documents.ServeJson(clientId, ClientMetadataServer.Document(clientId, "Listed redirects only"));
        var parameters = _oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge, "https://attacker.example/callback");

        var (error, description) = await _oauth.AuthorizeErrorAsync(parameters);

        Assert.Equal("invalid_request", error);
        Assert.Contains("redirect_uri", description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-json", "is not JSON")]
    [InlineData("mismatch", "not exactly the URL it is served from")]
    [InlineData("deep", "nested deeper than 16 levels")]
    [InlineData("many-redirects", "a list of 1 to 10 strings")]
    [InlineData("non-strings", "a list of 1 to 10 strings")]
    [InlineData("secret-method", "public clients only")]
    [InlineData("secret", "must not have a client_secret")]
    [InlineData("grant", "grant_types")]
    public async Task A_document_this_server_cannot_use_is_refused_saying_why(string kind, string reason)
    {
        var clientId = Documents.NewUrl("client.json");
        var redirect = JsonSerializer.Serialize(ClientMetadataServer.LoopbackRedirect);
        var id = JsonSerializer.Serialize(clientId);
        Documents.ServeJson(clientId, kind switch
        {
            "not-json" => "<html><body>Sign in</body></html>",
            "mismatch" => $$"""{"client_id":"https://client.example/oauth/client.json","redirect_uris":[{{redirect}}]}""",
            "deep" => $$"""{"client_id":{{id}},"redirect_uris":[{{redirect}}],"x":{{new string('[', 5000)}}{{new string(']', 5000)}}}""",
            "many-redirects" => $$"""{"client_id":{{id}},"redirect_uris":[{{string.Join(',', Enumerable.Repeat(redirect, 2000))}}]}""",
            "non-strings" => $$"""{"client_id":{{id}},"redirect_uris":[1,{"uri":{{redirect}}},null]}""",
            "secret-method" => $$"""{"client_id":{{id}},"redirect_uris":[{{redirect}}],"token_endpoint_auth_method":"client_secret_basic"}""",
            "secret" => $$"""{"client_id":{{id}},"redirect_uris":[{{redirect}}],"client_secret":"hunter2"}""",
            _ => $$"""{"client_id":{{id}},"redirect_uris":[{{redirect}}],"grant_types":["client_credentials"]}""",
        });

        var (error, description) = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));

        Assert.Equal("invalid_request", error);
        Assert.Contains(reason, description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_document_is_refused_and_not_remembered()
    {
        var clientId = Documents.NewUrl("client.json");

        var missing = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));
        Documents.ServeJson(clientId, ClientMetadataServer.Document(clientId, "Published late"));
        using var browser = new SignInDriver(AuthApi.Unique("user"));
        await _oauth.SignInAsync(browser, clientId);

        Assert.Equal("invalid_request", missing.Error);
        Assert.Contains("HTTP 404", missing.Description, StringComparison.Ordinal);
        Assert.Equal(2, Documents.Requests(clientId)); // the 404 was not cached
    }

    [Fact]
    public async Task A_redirect_is_refused_and_not_followed()
    {
        var clientId = Documents.NewUrl("client.json");
        var target = Documents.NewUrl("client.json");
        Documents.ServeJson(target, ClientMetadataServer.Document(target, "Redirect target"));
        Documents.Serve(clientId, context =>
        {
            context.Response.Redirect(target);
            return Task.CompletedTask;
        });

        var (error, description) = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));

        Assert.Equal("invalid_request", error);
        Assert.Contains("redirect (HTTP 302), which is not followed", description, StringComparison.Ordinal);
        Assert.Equal(1, Documents.Requests(clientId));
        Assert.Equal(0, Documents.Requests(target));
    }

    [Fact]
    public async Task A_document_announced_larger_than_64_KiB_is_refused()
    {
        var clientId = Documents.NewUrl("client.json");
        var padding = new string(' ', ClientMetadataFetcher.MaxBytes);
        Documents.ServeJson(clientId, ClientMetadataServer.Document(clientId, "Padded") + padding);

        var (error, description) = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));

        Assert.Equal("invalid_request", error);
        Assert.Contains("larger than 64 KiB", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endless_document_is_cut_off_at_64_KiB_while_it_is_read()
    {
        var clientId = Documents.NewUrl("client.json");
        var written = 0L;
        Documents.Serve(clientId, async context =>
        {
            context.Response.ContentType = "application/json";
            var chunk = Encoding.UTF8.GetBytes(new string(' ', 4096));
            try
            {
                while (true)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    Interlocked.Add(ref written, chunk.Length);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // auth-service hung up, as it should once it has read 64 KiB
            }
        });

        var (error, description) = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));

        Assert.Equal("invalid_request", error);
        Assert.Contains("larger than 64 KiB", description, StringComparison.Ordinal);
        // The writer's count lags what the reader has received by the pipe's and the sockets' buffers, so only this:
        // the body was being streamed, and the reader hung up long before the writer would have stopped.
        Assert.InRange(Interlocked.Read(ref written), 1, 64L * 1024 * 1024);
    }

    [Fact]
    public async Task A_document_that_stalls_is_refused_after_5_seconds()
    {
        var clientId = Documents.NewUrl("client.json");
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Documents.Serve(clientId, async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"client_id":""", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            stalled.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // auth-service gave up, as it should after 5 seconds
            }
        });

        var refusal = _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));
        await stalled.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        fixture.Time.Advance(ClientMetadataFetcher.Timeout + TimeSpan.FromSeconds(1));
        var (error, description) = await refusal;

        Assert.Equal("invalid_request", error);
        Assert.Contains("not received within 5 seconds", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_document_nothing_answers_for_is_refused()
    {
        var clientId = $"https://127.0.0.1:{TestAuthorizationServer.FreePort()}/client.json";

        var (error, description) = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));

        Assert.Equal("invalid_request", error);
        Assert.Contains("could not be fetched: no connection could be made", description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loopback_documents_are_refused_before_any_request_when_private_metadata_is_not_allowed()
    {
        var clientId = Documents.NewUrl("client.json");
        Documents.ServeJson(clientId, ClientMetadataServer.Document(clientId, "Behind the firewall"));
        var settings = fixture.Settings();
        settings["Auth:AuthorizationServer:Enabled"] = "true";
        settings["Auth:AuthorizationServer:Issuer"] = fixture.Issuer;
        await using var replica = await TestHost.StartAuthServiceAsync(settings, fixture.Time, services: fixture.ConfigureAuthService);

        var (error, description) = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge), replica.Address);

        Assert.Equal("invalid_request", error);
        Assert.Contains("resolves to a private, loopback, link-local or other special-use address", description, StringComparison.Ordinal);
        Assert.Equal(0, Documents.Requests(clientId));
    }

    [Theory]
    [InlineData("http", "must be an https URL")]
    [InlineData("fragment", "must not have a fragment")]
    [InlineData("dots", "'..' path segments")]
    [InlineData("userinfo", "user name or password")]
    public async Task A_client_id_url_the_draft_forbids_is_refused_without_a_fetch(string kind, string reason)
    {
        var valid = Documents.NewUrl("client.json");
        var clientId = kind switch
        {
            "http" => valid.Replace("https://", "http://", StringComparison.Ordinal),
            "fragment" => valid + "#x",
            "dots" => valid.Replace("/client.json", "/../client.json", StringComparison.Ordinal),
            _ => valid.Replace("https://", "https://user@", StringComparison.Ordinal),
        };

        var (error, description) = await _oauth.AuthorizeErrorAsync(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));

        Assert.Equal("invalid_request", error);
        Assert.Contains(reason, description, StringComparison.Ordinal);
        Assert.Equal(0, Documents.Requests(valid));
    }

    [Fact]
    public async Task The_token_endpoint_refuses_a_document_it_cannot_fetch_as_invalid_client()
    {
        using var response = await _oauth.TokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = "bogus", ["client_id"] = Documents.NewUrl("client.json"),
            ["redirect_uri"] = OAuthFlow.Redirect.ToString(), ["code_verifier"] = OAuthFlow.Pkce().Verifier,
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode); // OpenIddict's status for invalid_client (RFC 6749 §5.2)
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
        Assert.Contains("HTTP 404", body.GetProperty("error_description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_first_requests_for_one_new_client_all_succeed()
    {
        var clientId = Documents.NewUrl("client.json");
        Documents.ServeJson(clientId, ClientMetadataServer.Document(clientId, "Raced"));
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await http.GetAsync(_oauth.AuthorizeUri(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge)), Cancel);
            return (response.StatusCode, Text: response.Headers.Location?.OriginalString ?? await response.Content.ReadAsStringAsync(Cancel));
        })).WaitAsync(TimeSpan.FromSeconds(60), Cancel);

        // Each was accepted and sent to the sign-in page: none lost the race for the unique client_id as a 500.
        Assert.All(answers, answer => Assert.True(answer.StatusCode == HttpStatusCode.Found && answer.Text.StartsWith("/oauth/signin", StringComparison.Ordinal),
            $"authorize answered {(int)answer.StatusCode}: {answer.Text}"));
    }
}
