using System.Collections.Immutable;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.ServiceDefaults;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// <c>GET|POST /oauth/authorize</c> after OpenIddict has validated the request (client, exact redirect URI, PKCE S256,
/// scopes, resource). A client an operator blocked is refused first. Sends a caller who has not signed in to the
/// sign-in page (<see cref="SignInChooser"/>), then asks for consent — naming the client, the resource, the scope and where it returns to — unless
/// this user already granted this client these scopes (a permanent OpenIddict authorization, kept until revoked), and
/// issues the code. The consent form posts back here with the request's own parameters and an antiforgery token.
/// </summary>
public static class AuthorizeEndpoint
{
    private const string Path = "/oauth/authorize";
    private const string DecisionField = "mnemosyne_consent";

    /// <summary>The access token's groups claim (CONTRACT §10), read for this issuer by the default <c>GroupsClaim</c>.</summary>
    private const string GroupsClaim = "groups";

    public static IEndpointRouteBuilder MapAuthorizeEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapMethods(Path, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).ExcludeFromDescription().DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> AuthorizeAsync(HttpContext context, AuthDbContext db, IAntiforgery antiforgery,
        IOpenIddictApplicationManager applications, IOpenIddictAuthorizationManager authorizations, UpstreamUsers upstreamUsers,
        IOptions<AuthorizationServerOptions> settings, CancellationToken cancellationToken)
    {
        var request = context.GetOpenIddictServerRequest()
                      ?? throw new InvalidOperationException("OpenIddict did not handle this authorization request.");
        if (await db.OAuthClientBlocks.AnyAsync(b => b.ClientId == request.ClientId, cancellationToken))
        {
            return OAuthErrors.BlockedClient();
        }

        var signIn = await context.AuthenticateAsync(SignInCookie.Scheme);
        if (signIn.Principal?.FindFirst(Claims.Subject)?.Value is not { } username)
        {
            return SignInChooser.HasMethods(context)
                ? TypedResults.Redirect(SignInChooser.Url(ReturnUrl(request)))
                : OAuthErrors.Refuse(Errors.AccessDenied, "No sign-in method is available to this caller.");
        }

        if (!await db.Users.AnyAsync(u => u.Username == username && u.Active, cancellationToken))
        {
            await context.SignOutAsync(SignInCookie.Scheme);
            return OAuthErrors.Refuse(Errors.AccessDenied, "The user account is disabled.");
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, cancellationToken)
                          ?? throw new InvalidOperationException("OpenIddict validated a client it cannot find.");
        var applicationId = await applications.GetIdAsync(application, cancellationToken);
        var scopes = request.GetScopes();
        var granted = await authorizations.FindAsync(username, applicationId, Statuses.Valid, AuthorizationTypes.Permanent, scopes,
            cancellationToken).FirstOrDefaultAsync(cancellationToken);

        var decision = HttpMethods.IsPost(context.Request.Method) ? (await context.Request.ReadFormAsync(cancellationToken))[DecisionField].ToString() : "";
        if (decision.Length > 0)
        {
            if (!await antiforgery.IsRequestValidAsync(context))
            {
                return OAuthErrors.Refuse(Errors.InvalidRequest, "The consent form has expired: start the sign-in again.");
            }

            if (decision != "allow")
            {
                return OAuthErrors.Refuse(Errors.AccessDenied, "The user denied the request.");
            }
        }
        else if (granted is null || request.HasPromptValue(PromptValues.Consent))
        {
            var name = await applications.GetDisplayNameAsync(application, cancellationToken) ?? request.ClientId!;
            return Consent(context, antiforgery, request, username, name, Resources(request, settings.Value), scopes);
        }

        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, username);
        // The upstream provider's groups at the latest sign-in (none for a local user). They go into the access token
        // and, with every claim, into the code and the refresh token, so refreshed access tokens carry them too.
        foreach (var group in await upstreamUsers.GroupsAsync(signIn.Principal, username, cancellationToken))
        {
            identity.AddClaim(new Claim(GroupsClaim, group));
        }

        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(scopes);
        principal.SetResources(Resources(request, settings.Value));
        granted ??= await authorizations.CreateAsync(principal, username, applicationId!, AuthorizationTypes.Permanent, scopes,
            cancellationToken);
        principal.SetAuthorizationId(await authorizations.GetIdAsync(granted, cancellationToken));
        principal.SetDestinations(_ => [Destinations.AccessToken]);
        return TypedResults.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>The resource asked for (OpenIddict refuses any other with <c>invalid_target</c>), else mcp-host's <c>/mcp</c>.</summary>
    private static ImmutableArray<string> Resources(OpenIddictRequest request, AuthorizationServerOptions settings) =>
        request.GetResources() is { IsEmpty: false } resources ? resources : [settings.Resource()];

    private static string ReturnUrl(OpenIddictRequest request) =>
        Path + QueryString.Create(request.GetParameters().Select(p => KeyValuePair.Create(p.Key, (string?)p.Value.ToString())));

    /// <summary>
    /// Where Allow sends the browser (MCP's authorization guidance: the consent page shows the redirect's host), and
    /// for a loopback redirect that any program on this computer could be listening on, a word of caution.
    /// </summary>
    private static string ReturnsTo(string redirectUri)
    {
        var uri = new Uri(redirectUri);
        var host = uri.IsAbsoluteUri && uri.Host.Length > 0 ? uri.Host : uri.Scheme + ":";
        return $"<p>Allow sends you back to <strong>{Pages.Encode(host)}</strong>.</p>" +
               (uri.IsLoopback
                   ? "<p>That is an app on this computer: allow only if you just started this sign-in from it.</p>"
                   : "");
    }

    private static IResult Consent(HttpContext context, IAntiforgery antiforgery, OpenIddictRequest request, string username,
        string clientName, ImmutableArray<string> resources, ImmutableArray<string> scopes)
    {
        var hidden = request.GetParameters().Where(p => p.Key != DecisionField)
            .Select(p => KeyValuePair.Create(p.Key, p.Value.ToString() ?? ""));
        var body =
            $"<p>Signed in as <strong>{Pages.Encode(username)}</strong>.</p>" +
            $"<p><strong>{Pages.Encode(clientName)}</strong> (<code>{Pages.Encode(request.ClientId!)}</code>) asks to use " +
            $"<code>{Pages.Encode(string.Join(' ', resources))}</code> on your behalf with the scope " +
            $"<code>{Pages.Encode(string.Join(' ', scopes))}</code>.</p>" +
            ReturnsTo(request.RedirectUri!) +
            Pages.Form(context, antiforgery, Path, hidden,
                $"""<button type="submit" name="{DecisionField}" value="allow">Allow</button><button type="submit" name="{DecisionField}" value="deny">Deny</button>""");
        return Pages.Render(context, "Allow access?", body, request.RedirectUri);
    }
}
