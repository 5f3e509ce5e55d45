using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mnemosyne.AuthService.Data;
using Mnemosyne.McpHost.Tests.Infrastructure;
using ModelContextProtocol.Authentication;
using ModelContextProtocol.Client;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// Sign-in at Mnemosyne's authorization server through an upstream identity provider (CONTRACT §10), end to end
/// through mcp-host's origin: the provider is a second, real OpenIddict server; the browser is
/// <see cref="SignInDriver"/>, following redirects from mcp-host to the provider and back. The provider's account
/// becomes a local user keyed by (issuer, sub), its groups reach the access token and, through the teams' groups, the
/// libraries; outages, forged callbacks and deactivated users end on a page saying so.
/// </summary>
public sealed class UpstreamSignInTests(UpstreamSignInFixture fixture) : IClassFixture<UpstreamSignInFixture>
{
    private readonly OAuthFlow _oauth = new(fixture.Issuer);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Mcp_client_signs_in_through_the_upstream_and_searches_the_libraries_of_its_groups_team()
    {
        var (group, workspace) = (AuthApi.Unique("grp"), AuthApi.Unique("ws"));
        var word = "saxifrage" + Guid.NewGuid().ToString("N")[..6];
        var (library, document) = await fixture.AddLibraryWithDocumentAsync(workspace, word);
        var team = await fixture.Auth.AdminAsync(HttpMethod.Post, "/admin/v1/teams",
            new { name = AuthApi.Unique("team"), workspaces = new[] { workspace }, groups = new[] { group } });
        Assert.Equal(HttpStatusCode.Created, team.Status);
        fixture.Upstream.User = (AuthApi.Unique("sub"), [group, AuthApi.Unique("unmapped")]);
        fixture.Upstream.PreferredUsername = AuthApi.Unique("ada");
        using var browser = new SignInDriver("not-used") { Upstream = UpstreamSignInFixture.DisplayName };

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

        var hit = Assert.Single(results.EnumerateArray());
        Assert.Equal(library, hit.GetProperty("library").GetString());
        Assert.Equal(document, hit.GetProperty("document").GetString());
        Assert.Equal(1, browser.ChooserPages);
        Assert.Equal(1, browser.ConsentPages);
    }

    [Fact]
    public async Task The_upstream_groups_are_in_the_access_token_and_in_every_refreshed_one()
    {
        var group = AuthApi.Unique("grp");
        var preferred = AuthApi.Unique("grace");
        fixture.Upstream.User = (AuthApi.Unique("sub"), [group]);
        fixture.Upstream.PreferredUsername = preferred;
        var clientId = await _oauth.RegisterAsync();
        using var browser = new SignInDriver("not-used") { Upstream = UpstreamSignInFixture.DisplayName };

        var tokens = await _oauth.SignInAsync(browser, clientId);
        using var refreshed = await _oauth.RefreshAsync(clientId, tokens.GetProperty("refresh_token").GetString()!);
        var refreshedToken = (await refreshed.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("access_token").GetString()!;
        var resolved = await fixture.Auth.ResolveAsync(tokens.GetProperty("access_token").GetString());

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal([group], Groups(OAuthFlow.Payload(tokens.GetProperty("access_token").GetString()!)));
        Assert.Equal([group], Groups(OAuthFlow.Payload(refreshedToken)));
        Assert.Equal(preferred, OAuthFlow.Payload(refreshedToken).GetProperty("sub").GetString());
        Assert.Equal($"oauth:{preferred}@127.0.0.1", resolved.Body.GetProperty("principal").GetString());
    }

    [Fact]
    public async Task The_same_upstream_account_signs_in_as_the_same_local_user_even_after_its_name_changes()
    {
        var subject = AuthApi.Unique("sub");
        var first = AuthApi.Unique("linus");
        fixture.Upstream.User = (subject, []);
        fixture.Upstream.PreferredUsername = first;
        var clientId = await _oauth.RegisterAsync();

        var before = await SignInAsUpstreamAsync(clientId);
        fixture.Upstream.PreferredUsername = AuthApi.Unique("renamed");
        var after = await SignInAsUpstreamAsync(clientId);

        Assert.Equal(first, before);
        Assert.Equal(first, after);
        Assert.Equal(1, await IdentitiesAsync(subject));
    }

    [Fact]
    public async Task Two_upstream_accounts_with_the_same_preferred_username_are_two_local_users()
    {
        var name = AuthApi.Unique("bob");
        var clientId = await _oauth.RegisterAsync();
        fixture.Upstream.PreferredUsername = name;

        fixture.Upstream.User = (AuthApi.Unique("sub"), []);
        var one = await SignInAsUpstreamAsync(clientId);
        fixture.Upstream.User = (AuthApi.Unique("sub"), []);
        var other = await SignInAsUpstreamAsync(clientId);

        Assert.Equal(name, one);
        Assert.Equal(name + "-2", other);
    }

    [Fact]
    public async Task A_local_user_is_never_taken_over_by_an_upstream_account_of_the_same_name()
    {
        var name = await fixture.Auth.CreateUserAsync(AuthApi.Unique("carol"));
        fixture.Upstream.User = (AuthApi.Unique("sub"), []);
        fixture.Upstream.PreferredUsername = name;

        var signedInAs = await SignInAsUpstreamAsync(await _oauth.RegisterAsync());

        Assert.Equal(name + "-2", signedInAs);
    }

    [Fact]
    public async Task A_deactivated_local_user_cannot_sign_in_through_the_upstream()
    {
        fixture.Upstream.User = (AuthApi.Unique("sub"), []);
        fixture.Upstream.PreferredUsername = AuthApi.Unique("dora");
        var clientId = await _oauth.RegisterAsync();
        var username = await SignInAsUpstreamAsync(clientId);

        var deactivated = await fixture.Auth.AdminAsync(HttpMethod.Post, $"/admin/v1/users/{username}/deactivate");
        using var browser = new SignInDriver("not-used") { Upstream = UpstreamSignInFixture.DisplayName };
        var outcome = await browser.FollowAsync(AuthorizeUri(clientId), OAuthFlow.Redirect, Cancel);

        Assert.Equal(HttpStatusCode.NoContent, deactivated.Status);
        Assert.Equal(HttpStatusCode.Forbidden, outcome.Status);
        Assert.StartsWith(fixture.Callback.ToString(), outcome.Page.ToString(), StringComparison.Ordinal);
        Assert.Contains($"The Mnemosyne account &#x27;{username}&#x27; is disabled.", outcome.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_chooser_lists_the_upstream_and_the_development_sign_in_and_goes_straight_to_a_lone_upstream()
    {
        var returnUrl = "/oauth/authorize?client_id=x";
        var chooser = "oauth/signin" + QueryString.Create("returnUrl", returnUrl);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });

        using var both = await http.GetAsync(new Uri(new Uri(fixture.Issuer), chooser), Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        using var remote = new HttpRequestMessage(HttpMethod.Get, new Uri(fixture.AuthService.Address, chooser));
        remote.Headers.Add("X-Forwarded-For", "203.0.113.7"); // not loopback: no development sign-in for this caller
        using var lone = await http.SendAsync(remote, Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
        var page = await both.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, both.StatusCode);
        Assert.Contains($">{UpstreamSignInFixture.DisplayName}</a>", page, StringComparison.Ordinal);
        Assert.Contains(">Development sign-in (local users)</a>", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, lone.StatusCode);
        Assert.Equal($"/oauth/signin/upstream/{fixture.Provider.Name()}" + QueryString.Create("returnUrl", returnUrl), lone.Headers.Location!.OriginalString);
        // What the operator registers at the provider is said at start.
        Assert.Contains(fixture.AuthService.Logs.Lines(), l => l.Contains($"redirect_uri={fixture.Callback}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_upstream_that_is_down_ends_on_a_page_saying_so()
    {
        // A replica that has never read the provider's metadata meets it down at the start of a sign-in ...
        await using var replica = await TestHost.StartAuthServiceAsync(fixture.AuthServiceSettings(), fixture.Time, environment: Environments.Development);
        var clientId = await _oauth.RegisterAsync();
        fixture.Upstream.User = (AuthApi.Unique("sub"), []);
        using var browser = new SignInDriver("not-used") { Upstream = UpstreamSignInFixture.DisplayName };
        // ... and the fixture's auth-service meets it down between the provider's answer and the code exchange.
        var answered = await browser.FollowAsync(AuthorizeUri(clientId), fixture.Callback, Cancel);
        fixture.Upstream.Down = true;
        try
        {
            using var http = new HttpClient();
            using var atStart = await http.GetAsync(new Uri(replica.Address,
                $"oauth/signin/upstream/{fixture.Provider.Name()}?returnUrl=%2Foauth%2Fauthorize%3Fx%3D1"), Cancel).WaitAsync(TimeSpan.FromSeconds(30), Cancel);
            var atCallback = await browser.FollowAsync(answered.Landing!, OAuthFlow.Redirect, Cancel);

            var startPage = await atStart.Content.ReadAsStringAsync(Cancel);
            Assert.True(atStart.StatusCode == HttpStatusCode.BadGateway, $"{(int)atStart.StatusCode}: {startPage}");
            Assert.Contains($"{UpstreamSignInFixture.DisplayName} cannot be reached right now", startPage, StringComparison.Ordinal);
            Assert.True(atCallback.Status == HttpStatusCode.BadGateway, $"{(int)atCallback.Status} at {atCallback.Page}: {atCallback.Body}");
            Assert.Contains($"{UpstreamSignInFixture.DisplayName} did not answer the sign-in", atCallback.Body, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Upstream.Down = false;
        }
    }

    [Fact]
    public async Task A_sign_in_begun_on_one_replica_finishes_on_another()
    {
        await using var replica = await TestHost.StartAuthServiceAsync(fixture.AuthServiceSettings(), fixture.Time, environment: Environments.Development);
        var clientId = await _oauth.RegisterAsync();
        fixture.Upstream.User = (AuthApi.Unique("sub"), []);
        fixture.Upstream.PreferredUsername = AuthApi.Unique("rhea");
        using var browser = new SignInDriver("not-used") { Upstream = UpstreamSignInFixture.DisplayName };
        var answered = (await browser.FollowAsync(AuthorizeUri(clientId), fixture.Callback, Cancel)).Landing!;

        // The provider's answer, taken to the other replica (the browser's cookies go with it: same host).
        var finished = await browser.FollowAsync(new Uri(replica.Address, answered.PathAndQuery), OAuthFlow.Redirect, Cancel);

        Assert.True(finished.Landing is not null, $"{(int)finished.Status} at {finished.Page}: {finished.Body}");
        Assert.NotNull(OAuthFlow.Query(finished.Landing, "code"));
    }

    [Fact]
    public async Task A_forged_stolen_or_replayed_callback_is_refused_with_a_page_not_a_500()
    {
        var clientId = await _oauth.RegisterAsync();
        fixture.Upstream.User = (AuthApi.Unique("sub"), []);
        using var victim = new SignInDriver("not-used") { Upstream = UpstreamSignInFixture.DisplayName };
        using var attacker = new SignInDriver("not-used");
        var answered = (await victim.FollowAsync(AuthorizeUri(clientId), fixture.Callback, Cancel)).Landing!;
        var forged = new Uri(fixture.Callback + QueryString.Create(new Dictionary<string, string?>
        {
            ["code"] = OAuthFlow.Query(answered, "code"), ["state"] = "forged-" + OAuthFlow.Query(answered, "state"), ["iss"] = fixture.Upstream.Issuer,
        }).ToString());

        var withForgedState = await victim.FollowAsync(forged, OAuthFlow.Redirect, Cancel);
        // A provider's answer is good once, in the browser that began the sign-in: stolen, it fails (and is spent, so
        // the victim signs in again); used, it cannot be used again.
        var inAnotherBrowser = await attacker.FollowAsync(answered, OAuthFlow.Redirect, Cancel);
        var again = (await victim.FollowAsync(AuthorizeUri(clientId), fixture.Callback, Cancel)).Landing!;
        var used = await victim.FollowAsync(again, OAuthFlow.Redirect, Cancel);
        var replayed = await victim.FollowAsync(again, OAuthFlow.Redirect, Cancel);

        Assert.All([withForgedState, inAnotherBrowser, replayed], refused =>
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Contains($"The sign-in with {UpstreamSignInFixture.DisplayName} failed", refused.Body, StringComparison.Ordinal);
        });
        Assert.True(used.Landing is not null, $"{(int)used.Status} at {used.Page}: {used.Body}");
        Assert.NotNull(OAuthFlow.Query(used.Landing, "code"));
    }

    /// <summary>A sign-in through the upstream in a fresh browser, returning the local username it signed in as.</summary>
    private async Task<string> SignInAsUpstreamAsync(string clientId)
    {
        using var browser = new SignInDriver("not-used") { Upstream = UpstreamSignInFixture.DisplayName };
        var tokens = await _oauth.SignInAsync(browser, clientId);
        return OAuthFlow.Payload(tokens.GetProperty("access_token").GetString()!).GetProperty("sub").GetString()!;
    }

    private Uri AuthorizeUri(string clientId) => _oauth.AuthorizeUri(_oauth.AuthorizeParameters(clientId, OAuthFlow.Pkce().Challenge));

    private async Task<int> IdentitiesAsync(string subject)
    {
        await using var scope = fixture.AuthService.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        return await db.UpstreamIdentities.CountAsync(i => i.Issuer == fixture.Upstream.Issuer && i.Subject == subject, Cancel);
    }

    private static string[] Groups(JsonElement payload) => payload.GetProperty("groups") switch
    {
        { ValueKind: JsonValueKind.String } one => [one.GetString()!],
        var many => AuthApi.Strings(many),
    };
}
