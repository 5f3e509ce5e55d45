using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Mnemosyne.ServiceDefaults;
using OpenIddict.Client;
using OpenIddict.Client.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Sign-in through an upstream identity provider (CONTRACT §10), with OpenIddict.Client doing the protocol
/// (<see cref="UpstreamSignInSetup"/>): <c>GET /oauth/signin/upstream/{name}?returnUrl=</c> sends the browser to the
/// provider — authorization code with PKCE, state and nonce all OpenIddict.Client's, the state bound to this browser
/// by a correlation cookie — and <c>/oauth/callback/{name}</c> takes the answer: the validated ID token's account
/// becomes a local user (<see cref="UpstreamUsers"/>), signed in with the <see cref="SignInCookie"/>, and the browser
/// goes back to the authorization request. Whatever goes wrong — the provider unreachable, an error answer, a forged
/// or replayed callback, a deactivated user — is a page saying so, never a 500.
/// </summary>
public static partial class UpstreamSignIn
{
    private const string StartPath = "/oauth/signin/upstream";

    public static IEndpointRouteBuilder MapUpstreamSignIn(this IEndpointRouteBuilder app)
    {
        // The one thing an operator must copy into each provider's registration, said once at start.
        var settings = app.ServiceProvider.GetRequiredService<IOptions<AuthorizationServerOptions>>().Value;
        var logger = Logger(app.ServiceProvider.GetRequiredService<ILoggerFactory>());
        foreach (var upstream in settings.Upstream)
        {
            LogRedirectUri(logger, upstream.Label(), upstream.Issuer, RedirectUri(settings, upstream));
        }

        app.MapGet(StartPath + "/{name}", StartAsync).ExcludeFromDescription();
        app.MapMethods("/oauth/callback/{name}", [HttpMethods.Get, HttpMethods.Post], CallbackAsync).ExcludeFromDescription().DisableAntiforgery();
        return app;
    }

    /// <summary>The redirect URI registered at the provider: on mcp-host's origin, which is where the browser comes back.</summary>
    public static Uri RedirectUri(AuthorizationServerOptions settings, UpstreamProvider upstream) =>
        new(settings.IssuerUri(), "oauth/callback/" + upstream.Name());

    /// <summary>Where the sign-in page's link for <paramref name="upstream"/> goes.</summary>
    public static string StartUrl(UpstreamProvider upstream, string returnUrl) =>
        $"{StartPath}/{upstream.Name()}" + QueryString.Create("returnUrl", returnUrl);

    private static async Task<IResult> StartAsync(HttpContext context, string name, string? returnUrl,
        IOptions<AuthorizationServerOptions> settings, OpenIddictClientService client, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (Find(settings.Value, name) is not { } upstream)
        {
            return TypedResults.NotFound();
        }

        if (!SignInReturnUrl.IsValid(returnUrl))
        {
            return TypedResults.BadRequest("returnUrl must be an authorization request on this server.");
        }

        // OpenIddict.Client reads the provider's metadata during the challenge and answers a bare 400 when it cannot:
        // reading it first (it is cached) turns an unreachable provider into a page that says so.
        try
        {
            await client.GetServerConfigurationByRegistrationIdAsync(name, cancellationToken);
        }
        catch (InvalidOperationException exception)
        {
            LogUnreachable(Logger(loggers), name, exception.Message);
            return Failure(context, StatusCodes.Status502BadGateway,
                $"{upstream.Label()} cannot be reached right now, so nobody can sign in with it. Try again in a moment.");
        }

        var properties = new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictClientAspNetCoreConstants.Properties.RegistrationId] = name,
        })
        {
            RedirectUri = returnUrl,
        };
        return TypedResults.Challenge(properties, [OpenIddictClientAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static async Task<IResult> CallbackAsync(HttpContext context, string name, IOptions<AuthorizationServerOptions> settings,
        UpstreamUsers users, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (Find(settings.Value, name) is not { } upstream)
        {
            return TypedResults.NotFound();
        }

        var logger = Logger(loggers);
        var result = await context.AuthenticateAsync(OpenIddictClientAspNetCoreDefaults.AuthenticationScheme);
        if (result.Principal is not { Identity.IsAuthenticated: true } account)
        {
            var error = result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.Error) ?? Errors.InvalidRequest;
            var description = result.Properties?.GetString(OpenIddictClientAspNetCoreConstants.Properties.ErrorDescription)
                              ?? "The answer is not a sign-in this server started.";
            LogRefused(logger, name, error, description);
            // The provider did not answer the code exchange, the keys or the userinfo: server_error (no answer, a 500)
            // or temporarily_unavailable (a 503).
            return error is Errors.ServerError or Errors.TemporarilyUnavailable
                ? Failure(context, StatusCodes.Status502BadGateway, $"{upstream.Label()} did not answer the sign-in: {description} Try again in a moment.")
                : Failure(context, StatusCodes.Status400BadRequest, $"The sign-in with {upstream.Label()} failed: {error} — {description}");
        }

        if (account.FindFirst(Claims.Subject)?.Value is not { Length: > 0 and <= Limits.SubjectLength } subject)
        {
            LogRefused(logger, name, Errors.InvalidToken, "no usable sub");
            return Failure(context, StatusCodes.Status400BadRequest,
                $"{upstream.Label()} did not identify the account (its ID token has no usable 'sub').");
        }

        var (groups, tooMany) = UpstreamGroups.Read(account, upstream.GroupsClaim);
        if (tooMany is not null)
        {
            LogRefused(logger, name, Errors.InvalidToken, tooMany);
            return Failure(context, StatusCodes.Status400BadRequest, tooMany);
        }

        var baseName = UpstreamUsername.Base(account.FindFirst(Claims.PreferredUsername)?.Value, account.FindFirst(Claims.Email)?.Value,
            account.FindFirst(Claims.Name)?.Value, subject);
        var issuer = upstream.IssuerUri().AbsoluteUri;
        var (username, active) = await users.SignInAsync(issuer, subject, baseName, groups, cancellationToken);
        if (!active)
        {
            LogRefused(logger, name, Errors.AccessDenied, "user disabled");
            return Failure(context, StatusCodes.Status403Forbidden, $"The Mnemosyne account '{username}' is disabled.");
        }

        // The return URL the start checked, carried in OpenIddict.Client's state token (signed, encrypted); checked again.
        if (result.Properties?.RedirectUri is not { } returnUrl || !SignInReturnUrl.IsValid(returnUrl))
        {
            return Failure(context, StatusCodes.Status400BadRequest, "The sign-in does not lead back to an authorization request.");
        }

        var identity = new ClaimsIdentity(SignInCookie.Scheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, username));
        identity.AddClaim(new Claim(UpstreamUsers.IssuerClaim, issuer));
        identity.AddClaim(new Claim(UpstreamUsers.SubjectClaim, subject));
        await context.SignInAsync(SignInCookie.Scheme, new ClaimsPrincipal(identity));
        LogSignedIn(logger, name, username, groups.Length);
        return TypedResults.Redirect(returnUrl);
    }

    private static UpstreamProvider? Find(AuthorizationServerOptions settings, string name) =>
        settings.Upstream.FirstOrDefault(u => u.Name() == name);

    private static IResult Failure(HttpContext context, int status, string message) =>
        Pages.Render(context, "Sign-in failed",
            $"<p>{Pages.Encode(message)}</p><p>Go back to your application and start the sign-in again.</p>", statusCode: status);

    private static ILogger Logger(ILoggerFactory loggers) => loggers.CreateLogger(typeof(UpstreamSignIn).FullName!);

    [LoggerMessage(LogLevel.Information, "authorization_server.upstream {Upstream} {Issuer} redirect_uri={RedirectUri}")]
    private static partial void LogRedirectUri(ILogger logger, string upstream, string issuer, Uri redirectUri);

    [LoggerMessage(LogLevel.Information, "authorization_server.upstream_sign_in {Upstream} {Username} {GroupCount}")]
    private static partial void LogSignedIn(ILogger logger, string upstream, string username, int groupCount);

    [LoggerMessage(LogLevel.Warning, "authorization_server.upstream_sign_in_refused {Upstream} {Error} {Description}")]
    private static partial void LogRefused(ILogger logger, string upstream, string error, string description);

    [LoggerMessage(LogLevel.Warning, "authorization_server.upstream_unreachable {Upstream} {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string upstream, string reason);
}
