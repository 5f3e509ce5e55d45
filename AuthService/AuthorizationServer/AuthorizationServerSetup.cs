using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Mnemosyne.AuthService.Data;
using Mnemosyne.ServiceDefaults;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Mnemosyne's OAuth 2.1 authorization server (CONTRACT §10) on OpenIddict, with its stores in authdb: the endpoints
/// (mcp-host forwards them from its origin), authorization code with PKCE S256 only, rotating reference refresh
/// tokens whose reuse revokes the grant, ES256 access tokens (JWS, not encrypted) for mcp-host's <c>/mcp</c> only.
/// Clients register themselves by RFC 7591 or by a client ID metadata document (<see cref="ClientMetadataHandler"/>).
/// Users sign in through the configured upstream identity providers (<see cref="UpstreamSignInSetup"/>) or, in
/// Development, the development sign-in; <see cref="SignInChooser"/> offers them.
/// OpenIddict does the protocol; what is here is configuration and the two passthrough handlers.
/// </summary>
public static class AuthorizationServerSetup
{
    /// <summary>Paths this server answers; everything else in auth-service never meets OpenIddict.</summary>
    public static bool Serves(PathString path) =>
        path.StartsWithSegments("/oauth") || path.StartsWithSegments("/.well-known/oauth-authorization-server")
        || path.StartsWithSegments("/.well-known/openid-configuration");

    public static IServiceCollection AddAuthorizationServer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<AuthorizationServerKeys>();
        services.AddStartupStep<AuthorizationServerKeyStep>("authorization-server-keys");
        services.AddSharedDataProtection();
        services.AddSignInCookie();
        ClientMetadataFetcher.AddHttpClient(services);
        services.AddSingleton<ClientMetadataFetcher>();
        services.AddSingleton<ClientMetadataClients>();
        services.AddScoped<UpstreamUsers>();
        if (UpstreamSignInSetup.IsConfigured(configuration))
        {
            services.AddUpstreamSignIn();
        }

        services.AddOpenIddict()
            .AddCore(core =>
            {
                core.UseEntityFrameworkCore().UseDbContext<AuthDbContext>();
                core.ReplaceApplicationManager(typeof(LoopbackRedirectApplicationManager<>));
            })
            .AddServer(server =>
            {
                server.SetConfigurationEndpointUris(".well-known/oauth-authorization-server", ".well-known/openid-configuration")
                    .SetAuthorizationEndpointUris("oauth/authorize")
                    .SetTokenEndpointUris("oauth/token")
                    .SetRevocationEndpointUris("oauth/revoke")
                    .SetJsonWebKeySetEndpointUris("oauth/jwks")
                    .AllowAuthorizationCodeFlow()
                    .AllowRefreshTokenFlow()
                    .RequireProofKeyForCodeExchange()
                    .RegisterScopes(AuthorizationServerOptions.ReadScope, Scopes.OfflineAccess)
                    .DisableAccessTokenEncryption()
                    .UseReferenceRefreshTokens()
                    // No grace period: a refresh token presented a second time revokes every token of its grant.
                    .SetRefreshTokenReuseLeeway(null);
                server.AddEventHandler(DiscoveryMetadata.Descriptor);
                server.AddEventHandler(ClientMetadataHandler.Descriptor);
                server.UseAspNetCore()
                    // TLS ends at mcp-host or the ingress in front of it; auth-service itself is internal, plain HTTP.
                    .DisableTransportSecurityRequirement()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough();
            });

        services.AddOptions<OpenIddictServerOptions>()
            .Configure<IOptions<AuthorizationServerOptions>, AuthorizationServerKeys, TimeProvider>((options, settings, keys, time) =>
            {
                options.Issuer = settings.Value.IssuerUri();
                options.AccessTokenLifetime = TimeSpan.FromMinutes(settings.Value.AccessTokenMinutes);
                options.TimeProvider = time;
                options.Resources.Add(new Uri(settings.Value.Resource()));
                options.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain);
                options.SigningCredentials.Add(new SigningCredentials(keys.Signing, SecurityAlgorithms.EcdsaSha256));
                options.EncryptionCredentials.Add(new EncryptingCredentials(keys.Encryption,
                    SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
            });
        return services.RemoveStartupWarmUp();
    }

    /// <summary>
    /// OpenIddict runs only on its own paths, and only once the keys are loaded (before that: 503
    /// <c>temporarily_unavailable</c>), so health checks and the internal API never wait on it. OpenIddict builds its
    /// options (with the keys) at the first request it sees and caches a failure for good, so it must see none before.
    /// </summary>
    public static WebApplication UseAuthorizationServer(this WebApplication app)
    {
        // WebApplication puts UseAuthentication() in front of every request unless the app has placed it itself, which
        // it records under this key; it is placed below, on the authorization server's paths only.
        ((IApplicationBuilder)app).Properties["__AuthenticationMiddlewareSet"] = true;
        app.UseWhen(context => Serves(context.Request.Path), branch =>
        {
            branch.Use(async (context, next) =>
            {
                if (!context.RequestServices.GetRequiredService<AuthorizationServerKeys>().IsLoaded)
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    await context.Response.WriteAsJsonAsync(new Dictionary<string, string>
                    {
                        ["error"] = "temporarily_unavailable",
                        ["error_description"] = "The authorization server is still starting.",
                    }, context.RequestAborted);
                    return;
                }

                await next(context);
            });
            branch.UseAuthentication();
        });
        app.MapAuthorizeEndpoint();
        app.MapTokenEndpoint();
        app.MapRegistrationEndpoint();
        app.MapSignInChooser();
        app.MapDevelopmentSignIn();
        if (app.Services.GetRequiredService<IOptions<AuthorizationServerOptions>>().Value.Upstream.Count > 0)
        {
            app.MapUpstreamSignIn();
        }

        return app;
    }
}
