using Microsoft.AspNetCore.Authentication.Cookies;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Who signed in on Mnemosyne's own pages (the development sign-in; later the upstream identity providers): a
/// data-protected, HTTP-only cookie scoped to <c>/oauth</c> on mcp-host's origin, good for one hour. It only
/// remembers the sign-in between the sign-in page, the consent page and the authorization endpoint.
/// </summary>
public static class SignInCookie
{
    public const string Scheme = "mnemosyne-sign-in";

    public static IServiceCollection AddSignInCookie(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = "mnemosyne.sign-in";
            cookie.Cookie.Path = "/oauth";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(1);
            cookie.SlidingExpiration = false;
            cookie.LoginPath = "/oauth/signin";
        });
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Path = "/oauth";
            antiforgery.Cookie.Name = "mnemosyne.antiforgery";
        });
        return services;
    }
}
