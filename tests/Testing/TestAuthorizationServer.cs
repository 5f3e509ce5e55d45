using System.Net;
using System.Net.Sockets;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Mnemosyne.Testing;

/// <summary>
/// A real OAuth 2.1 / OpenID Connect authorization server for tests: OpenIddict on Kestrel at a loopback port, with
/// ephemeral RSA and EC signing keys (its JWKS), authorization code + PKCE for one public client, resource indicators
/// as the access token's <c>aud</c>, scopes, and a groups claim. Sign-in and consent are automatic: the authorize
/// endpoint signs in <see cref="User"/>, so a test follows the authorize URL over HTTP and reads the code from the
/// redirect. Asked for <c>openid</c>, it also issues an ID token with the user's <c>sub</c>, groups and
/// <see cref="PreferredUsername"/>: it is then the upstream identity provider of Mnemosyne's own authorization server,
/// whose redirect URI (on a loopback port, like every client here) it accepts. Runs in degraded mode (no OpenIddict database): the one client is checked by a handler here instead.
/// Refusal tests mint tokens with exact claims through <see cref="Mint"/>, signed with this server's own keys.
/// </summary>
public sealed class TestAuthorizationServer : IAsyncDisposable
{
    public const string ClientId = "mnemosyne-tests";
    public const string Scope = "mnemosyne.read";

    private readonly WebApplication _app;
    private readonly List<SigningCredentials> _signing;
    private int _jwksRequests;

    private TestAuthorizationServer(WebApplication app, Uri address, List<SigningCredentials> signing)
    {
        _app = app;
        _signing = signing;
        Address = address;
        Issuer = address.ToString();
    }

    public Uri Address { get; }

    /// <summary>How many times the JWKS has been fetched (to see a resource server's refresh limit).</summary>
    public int JwksRequests => _jwksRequests;

    /// <summary>While true, every request is answered 503 (an identity-provider outage).</summary>
    public bool Down { get; set; }

    /// <summary>While true, <c>/.well-known/openid-configuration</c> is 404: an OAuth-only server (RFC 8414 metadata).</summary>
    public bool OAuthMetadataOnly { get; set; }

    /// <summary>The exact <c>iss</c> of every token (with the trailing slash OpenIddict keeps).</summary>
    public string Issuer { get; }

    /// <summary>Who the authorize endpoint signs in next: subject and groups (one group is sent as a string).</summary>
    public (string Subject, string[] Groups) User { get; set; } = ("alice", []);

    /// <summary>The <c>preferred_username</c> of <see cref="User"/> in its ID token; null: none.</summary>
    public string? PreferredUsername { get; set; }

    /// <summary>The claim the groups go in (<c>groups</c>; Entra ID's app roles: <c>roles</c>).</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>The key tokens are signed with: RSA (RS256) or EC (ES256).</summary>
    public SecurityKey CurrentKey => _signing[0].Key;

    /// <summary>Picks a free loopback port, for a server that should start later on a known address.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <param name="port">0 for any free port.</param>
    /// <param name="algorithm">The algorithm of the key tokens are signed with: <c>RS256</c> or <c>ES256</c>.</param>
    /// <param name="time">OpenIddict's clock (give it the services' fake clock so token times agree with theirs).</param>
    public static async Task<TestAuthorizationServer> StartAsync(int port = 0, string algorithm = SecurityAlgorithms.RsaSha256, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddRouting();

        var keys = new List<SecurityKey> { RsaKey(), EcKey() };
        if (algorithm == SecurityAlgorithms.EcdsaSha256)
        {
            keys.Reverse();
        }

        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetAuthorizationEndpointUris("connect/authorize")
                .SetTokenEndpointUris("connect/token")
                .AllowAuthorizationCodeFlow()
                .RequireProofKeyForCodeExchange()
                .RegisterScopes(Scope, Scopes.OpenId, Scopes.Profile, Scopes.Email)
                .AddEphemeralEncryptionKey()
                .DisableAccessTokenEncryption()
                .DisableResourceValidation()
                .EnableDegradedMode();
            foreach (var key in keys)
            {
                server.AddSigningKey(key);
            }

            server.AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler.UseInlineHandler(context =>
                Check(context, context.ClientId, context.RedirectUri)));
            server.AddEventHandler<ValidateTokenRequestContext>(handler => handler.UseInlineHandler(context =>
                Check(context, context.ClientId, redirectUri: null)));
            server.UseAspNetCore()
                .DisableTransportSecurityRequirement()
                .EnableAuthorizationEndpointPassthrough()
                .EnableTokenEndpointPassthrough();
            if (time is not null)
            {
                server.Configure(options => options.TimeProvider = time);
            }
        });

        var app = builder.Build();
        TestAuthorizationServer? self = null;
        app.Use(async (context, next) =>
        {
            if (self is { Down: true })
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            if (self is { OAuthMetadataOnly: true } && context.Request.Path.StartsWithSegments("/.well-known/openid-configuration"))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            if (self is not null && context.Request.Path.StartsWithSegments("/.well-known/jwks"))
            {
                Interlocked.Increment(ref self._jwksRequests);
            }

            await next(context);
        });
        app.UseAuthentication();
        app.MapGet("/connect/authorize", (Func<HttpContext, Task<IResult>>)(context => self!.AuthorizeAsync(context)));
        app.MapPost("/connect/token", (Func<HttpContext, Task<IResult>>)TokenAsync);
        await app.StartAsync();

        var signing = app.Services.GetRequiredService<IOptionsMonitor<OpenIddictServerOptions>>().CurrentValue.SigningCredentials;
        self = new TestAuthorizationServer(app, new Uri(app.Urls.Single() + "/"), signing);
        return self;
    }

    /// <summary>
    /// Rotates the signing key: a new key (same kind as the current one) signs from now on and joins the JWKS.
    /// </summary>
    public SecurityKey RotateKey()
    {
        SecurityKey key = CurrentKey is ECDsaSecurityKey ? EcKey() : RsaKey();
        lock (_signing)
        {
            _signing.Insert(0, new SigningCredentials(key, _signing[0].Algorithm));
        }

        return key;
    }

    /// <summary>
    /// A token with exactly <paramref name="claims"/> (add <c>iss</c> yourself), signed with <paramref name="key"/>
    /// (default: the current key) — for the refusals the real flow would never produce.
    /// </summary>
    public string Mint(Dictionary<string, object> claims, SecurityKey? key = null, string? algorithm = null) =>
        Sign(claims, key ?? CurrentKey, algorithm);

    /// <summary>A token with exactly <paramref name="claims"/> signed with any <paramref name="key"/> (RS256 or ES256 by its kind).</summary>
    public static string Sign(Dictionary<string, object> claims, SecurityKey key, string? algorithm = null)
    {
        algorithm ??= key is ECDsaSecurityKey ? SecurityAlgorithms.EcdsaSha256 : SecurityAlgorithms.RsaSha256;
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, algorithm),
            TokenType = "at+jwt",
        });
    }

    /// <summary>
    /// What a browser does with an authorization URL here (sign-in and consent are automatic): follows it and returns
    /// the redirect back to the client, with its <c>code</c>, <c>state</c> and <c>iss</c> query parameters.
    /// </summary>
    public static async Task<Uri> FollowAuthorizeAsync(Uri authorizationUri, Uri redirectUri, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var response = await http.GetAsync(authorizationUri, cancellationToken);
        var location = response.Headers.Location;
        if (response.StatusCode != HttpStatusCode.Redirect || location is null
            || !location.ToString().StartsWith(redirectUri.ToString(), StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"The authorize endpoint answered {(int)response.StatusCode} {location}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }

        return location;
    }

    /// <summary>One query parameter of a redirect (<c>code</c>, <c>state</c>, <c>iss</c>), or null.</summary>
    public static string? QueryValue(Uri redirect, string name) =>
        Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(redirect.Query).TryGetValue(name, out var value) ? value.ToString() : null;

    /// <summary>
    /// Signs <see cref="User"/> in the way a client does: authorization code with PKCE (S256) for
    /// <paramref name="resource"/> (RFC 8707, becomes <c>aud</c>), then the code exchange; returns the access token.
    /// </summary>
    public async Task<string> SignInAsync(string resource, string scope = Scope)
    {
        var verifier = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)));
        var redirect = new Uri("http://127.0.0.1/callback");
        var authorize = new Uri(Address, "connect/authorize" + Microsoft.AspNetCore.Http.QueryString.Create(new Dictionary<string, string?>
        {
            ["response_type"] = "code", ["client_id"] = ClientId, ["redirect_uri"] = redirect.ToString(), ["scope"] = scope,
            ["resource"] = resource, ["code_challenge"] = challenge, ["code_challenge_method"] = "S256", ["state"] = "s",
        }));
        var code = QueryValue(await FollowAuthorizeAsync(authorize, redirect, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)), "code");

        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Address, "connect/token"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code!, ["redirect_uri"] = redirect.ToString(),
            ["client_id"] = ClientId, ["code_verifier"] = verifier, ["resource"] = resource,
        })).WaitAsync(TimeSpan.FromSeconds(30));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"Token endpoint answered {(int)response.StatusCode}: {body}");
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    private Task<IResult> AuthorizeAsync(HttpContext context)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenIddict request.");
        var (subject, groups) = User;
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, subject);
        foreach (var group in groups)
        {
            identity.AddClaim(new Claim(GroupsClaim, group));
        }

        if (PreferredUsername is not null)
        {
            identity.SetClaim(Claims.PreferredUsername, PreferredUsername);
        }

        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(request.GetScopes());
        principal.SetResources(request.GetResources());
        principal.SetDestinations(claim => claim.Type == Claims.PreferredUsername
            ? [Destinations.IdentityToken]
            : [Destinations.AccessToken, Destinations.IdentityToken]);
        return Task.FromResult(Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme));
    }

    private static async Task<IResult> TokenAsync(HttpContext context)
    {
        // The code's principal (claims, scopes, resources) as the authorize endpoint signed it in.
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        return result.Principal is { } principal
            ? Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)
            : Results.Forbid(authenticationSchemes: [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    /// <summary>Degraded mode checks no client: this one public client, with a loopback redirect, is the only one.</summary>
    private static ValueTask Check(BaseValidatingContext context, string? clientId, string? redirectUri)
    {
        if (clientId != ClientId)
        {
            context.Reject(Errors.InvalidClient, $"Unknown client_id (only '{ClientId}').");
        }
        else if (redirectUri is not null && !(Uri.TryCreate(redirectUri, UriKind.Absolute, out var redirect) && redirect.IsLoopback))
        {
            context.Reject(Errors.InvalidRequest, "redirect_uri must be a loopback URL.");
        }

        return ValueTask.CompletedTask;
    }

    private static RsaSecurityKey RsaKey() => new(RSA.Create(2048)) { KeyId = "rsa-" + Guid.NewGuid().ToString("N")[..8] };

    private static ECDsaSecurityKey EcKey() =>
        new(ECDsa.Create(ECCurve.NamedCurves.nistP256)) { KeyId = "ec-" + Guid.NewGuid().ToString("N")[..8] };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
