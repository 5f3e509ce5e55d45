using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// The development sign-in (CONTRACT §10), one of the ways <see cref="SignInChooser"/> offers:
/// <c>GET /oauth/signin/development</c> lists the local users and offers to create one, <c>POST</c> signs the chosen
/// one in (<see cref="SignInCookie"/>) and returns to the authorization request. It exists only while <see cref="IsAvailable"/>: the Development environment,
/// <c>Auth:AuthorizationServer:DevelopmentSignIn</c>, and a loopback caller (the direct peer and every forwarded hop)
/// — elsewhere both routes are 404. The JWT service user cannot be picked.
/// </summary>
public static class DevelopmentSignIn
{
    private const string Path = "/oauth/signin/development";

    public static IEndpointRouteBuilder MapDevelopmentSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, ShowAsync).ExcludeFromDescription();
        app.MapPost(Path, SignInAsync).ExcludeFromDescription().DisableAntiforgery();
        return app;
    }

    public static bool IsAvailable(HttpContext context)
    {
        var environment = context.RequestServices.GetRequiredService<IHostEnvironment>();
        var settings = context.RequestServices.GetRequiredService<IOptions<AuthorizationServerOptions>>().Value;
        return environment.IsDevelopment() && settings.DevelopmentSignIn && IsLoopbackCaller(context);
    }

    /// <summary>The page, returning to <paramref name="returnUrl"/> once signed in.</summary>
    public static string Url(string returnUrl) => Path + QueryString.Create("returnUrl", returnUrl);

    private static bool IsLoopbackCaller(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } peer && IPAddress.IsLoopback(peer)
        && context.Request.Headers["X-Forwarded-For"].SelectMany(v => (v ?? "").Split(','))
            .All(hop => IPAddress.TryParse(hop.Trim(), out var address) && IPAddress.IsLoopback(address));

    private static async Task<IResult> ShowAsync(HttpContext context, string? returnUrl, AuthDbContext db,
        IAntiforgery antiforgery, IOptions<AuthOptions> options, CancellationToken cancellationToken)
    {
        if (!IsAvailable(context))
        {
            return TypedResults.NotFound();
        }

        if (!SignInReturnUrl.IsValid(returnUrl))
        {
            return TypedResults.BadRequest("returnUrl must be an authorization request on this server.");
        }

        var service = options.Value.ServiceUsername;
        var users = await db.Users.AsNoTracking().Where(u => u.Active && u.Username != service)
            .OrderBy(u => u.Username).Select(u => u.Username).Take(50).ToListAsync(cancellationToken);
        var hidden = new Dictionary<string, string> { ["returnUrl"] = returnUrl! };
        var pick = string.Concat(users.Select(u =>
            $"""<button type="submit" name="username" value="{Pages.Encode(u)}">{Pages.Encode(u)}</button>"""));
        var body =
            "<p>Development sign-in: no identity provider is asked. Pick a local user or create one.</p>" +
            (users.Count > 0 ? Pages.Form(context, antiforgery, Path, hidden, $"<p>{pick}</p>") : "") +
            Pages.Form(context, antiforgery, Path, hidden,
                """<p><label>New or existing user <input name="username" required maxlength="150" autocomplete="username"></label> """ +
                """<button type="submit">Sign in</button></p>""");
        // A remembered consent sends the browser from the sign-in form straight on to the client.
        var redirectUri = QueryHelpers.ParseQuery(new Uri(new Uri("http://return.invalid"), returnUrl).Query)
            .GetValueOrDefault(OpenIddictConstants.Parameters.RedirectUri).ToString();
        return Pages.Render(context, "Sign in", body, redirectUri);
    }

    private static async Task<IResult> SignInAsync(HttpContext context, AuthDbContext db, IAntiforgery antiforgery,
        IOptions<AuthOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!IsAvailable(context))
        {
            return TypedResults.NotFound();
        }

        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.BadRequest("The form is missing or has expired: reload the sign-in page.");
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var returnUrl = form["returnUrl"].ToString();
        var username = form["username"].ToString().Trim();
        if (!SignInReturnUrl.IsValid(returnUrl))
        {
            return TypedResults.BadRequest("returnUrl must be an authorization request on this server.");
        }

        if (Fields.Username(username, Limits.NameLength) is { } error)
        {
            return TypedResults.BadRequest(error);
        }

        if (username == options.Value.ServiceUsername)
        {
            return TypedResults.BadRequest("The JWT service user cannot sign in.");
        }

        // ON CONFLICT: another tab (or replica) may create the same user at the same moment.
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO "Users" ("Id", "Username", "Active", "CreatedAt")
            VALUES ({Guid.CreateVersion7()}, {username}, TRUE, {time.GetUtcNow()})
            ON CONFLICT ("Username") DO NOTHING
            """,
            cancellationToken);
        if (!await db.Users.AnyAsync(u => u.Username == username && u.Active, cancellationToken))
        {
            return TypedResults.BadRequest("This user account is disabled.");
        }

        var identity = new ClaimsIdentity(SignInCookie.Scheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, username));
        await context.SignInAsync(SignInCookie.Scheme, new ClaimsPrincipal(identity));
        return TypedResults.Redirect(returnUrl);
    }
}
