using Microsoft.Extensions.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// <c>GET /oauth/signin</c>, where the authorization endpoint sends a caller who has not signed in: one link per
/// upstream identity provider (its display name, <see cref="UpstreamSignIn"/>) and, while it is available, the
/// development sign-in (<see cref="DevelopmentSignIn"/>). With only one of them it goes straight there; with none
/// it is 404 (and the authorization endpoint refuses with <c>access_denied</c> instead of coming here).
/// </summary>
public static class SignInChooser
{
    private const string Path = "/oauth/signin";

    public static IEndpointRouteBuilder MapSignInChooser(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, Show).ExcludeFromDescription();
        return app;
    }

    /// <summary>Where the authorization endpoint sends a caller who has not signed in.</summary>
    public static string Url(string returnUrl) => Path + QueryString.Create("returnUrl", returnUrl);

    /// <summary>Whether this caller has any way to sign in.</summary>
    public static bool HasMethods(HttpContext context) => Methods(context, "/oauth/authorize?").Count > 0;

    private static IResult Show(HttpContext context, string? returnUrl)
    {
        if (!SignInReturnUrl.IsValid(returnUrl))
        {
            return TypedResults.BadRequest("returnUrl must be an authorization request on this server.");
        }

        var methods = Methods(context, returnUrl!);
        switch (methods.Count)
        {
            case 0:
                return TypedResults.NotFound();
            case 1:
                return TypedResults.Redirect(methods[0].Url);
        }

        var links = string.Concat(methods.Select(m => $"""<li><a href="{Pages.Encode(m.Url)}">{Pages.Encode(m.Label)}</a></li>"""));
        return Pages.Render(context, "Choose how to sign in", $"<ul>{links}</ul>");
    }

    private static List<(string Label, string Url)> Methods(HttpContext context, string returnUrl)
    {
        var settings = context.RequestServices.GetRequiredService<IOptions<AuthorizationServerOptions>>().Value;
        var methods = settings.Upstream.Select(u => (u.Label(), UpstreamSignIn.StartUrl(u, returnUrl))).ToList();
        if (DevelopmentSignIn.IsAvailable(context))
        {
            methods.Add(("Development sign-in (local users)", DevelopmentSignIn.Url(returnUrl)));
        }

        return methods;
    }
}
