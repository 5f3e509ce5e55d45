using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Mnemosyne.ServiceDefaults;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// OpenIddict.Client as the client of each configured upstream identity provider (CONTRACT §10,
/// <c>Auth:AuthorizationServer:Upstream</c>): one registration per provider, authorization code with PKCE,
/// confidential when it has a client secret and public otherwise, its redirect URI on mcp-host's origin
/// (<see cref="UpstreamSignIn.RedirectUri"/>). Its state tokens are signed and encrypted with the authorization
/// server's own keys from authdb and recorded in OpenIddict's token table (each used once), so a sign-in begun on one
/// replica finishes on any other; its correlation cookie is scoped to <c>/oauth</c> and <c>SameSite=Lax</c> (the
/// callback is a top-level GET from the provider: OpenIddict.Client asks for <c>response_mode=query</c>), and
/// <c>Secure</c> when the issuer is https. Registered only when at least one provider is configured.
/// </summary>
public static class UpstreamSignInSetup
{
    /// <summary>How long one call to a provider may take (there are no retries: <see cref="UpstreamHttpClients"/>).</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static bool IsConfigured(IConfiguration configuration) =>
        configuration.GetSection(AuthorizationServerOptions.SectionName + ":Upstream").GetChildren().Any();

    public static IServiceCollection AddUpstreamSignIn(this IServiceCollection services)
    {
        services.AddOpenIddict().AddClient(client =>
        {
            client.AllowAuthorizationCodeFlow();
            client.AddEventHandler(UpstreamRequestUri.Descriptor);
            client.UseAspNetCore()
                // TLS ends at mcp-host or the ingress in front of it, as for the server.
                .DisableTransportSecurityRequirement()
                // The callback handler authenticates with OpenIddict's own scheme; no per-provider scheme is needed.
                .DisableAutomaticAuthenticationSchemeForwarding()
                .EnableRedirectionEndpointPassthrough()
                .EnableErrorPassthrough();
            client.UseSystemNetHttp()
                .SetProductInformation(typeof(UpstreamSignInSetup).Assembly)
                .ConfigureHttpClient(http => http.Timeout = Timeout);
        });
        services.AddSingleton<IPostConfigureOptions<HttpClientFactoryOptions>, UpstreamHttpClients>();

        services.AddOptions<OpenIddictClientOptions>()
            .Configure<IOptions<AuthorizationServerOptions>, AuthorizationServerKeys, TimeProvider>((options, settings, keys, time) =>
            {
                options.TimeProvider = time;
                options.SigningCredentials.Add(new SigningCredentials(keys.Signing, SecurityAlgorithms.EcdsaSha256));
                options.EncryptionCredentials.Add(new EncryptingCredentials(keys.Encryption,
                    SecurityAlgorithms.Aes256KW, SecurityAlgorithms.Aes256CbcHmacSha512));
                foreach (var upstream in settings.Value.Upstream)
                {
                    var registration = new OpenIddictClientRegistration
                    {
                        Issuer = upstream.IssuerUri(),
                        RegistrationId = upstream.Name(),
                        ProviderDisplayName = upstream.Label(),
                        ClientId = upstream.ClientId,
                        ClientSecret = string.IsNullOrEmpty(upstream.ClientSecret) ? null : upstream.ClientSecret,
                        RedirectUri = UpstreamSignIn.RedirectUri(settings.Value, upstream),
                    };
                    registration.Scopes.UnionWith(upstream.RequestedScopes());
                    options.Registrations.Add(registration);
                }
            });
        services.AddOptions<OpenIddictClientAspNetCoreOptions>()
            .Configure<IOptions<AuthorizationServerOptions>>((options, settings) =>
            {
                options.CookieBuilder.Name = "mnemosyne.upstream";
                options.CookieBuilder.Path = "/oauth";
                options.CookieBuilder.SameSite = SameSiteMode.Lax;
                options.CookieBuilder.SecurePolicy = settings.Value.IssuerUri().Scheme == Uri.UriSchemeHttps
                    ? CookieSecurePolicy.Always
                    : CookieSecurePolicy.None;
            });
        return services;
    }
}
