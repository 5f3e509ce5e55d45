using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Antiforgery;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// The sign-in and consent pages: minimal server-rendered HTML, every value HTML-encoded, every form carrying the
/// antiforgery token. No script, so a strict CSP can forbid all of it. Browsers apply the CSP's <c>form-action</c>
/// also to the redirects that follow a form, and the consent form (or a sign-in whose consent is remembered) ends in a
/// redirect to the client, so the page names the client's redirect URI there besides <c>'self'</c>.
/// </summary>
public static partial class Pages
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    public static string Encode(string value) => Encoder.Encode(value);

    /// <param name="redirectUri">The client's redirect URI the page's forms may end at, if any.</param>
    public static IResult Render(HttpContext context, string title, string body, string? redirectUri = null,
        int statusCode = StatusCodes.Status200OK)
    {
        var formAction = FormActionSource(redirectUri) is { } client ? $"'self' {client}" : "'self'";
        context.Response.Headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'unsafe-inline'; form-action {formAction}; frame-ancestors 'none'";
        context.Response.Headers.XFrameOptions = "DENY";
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Content($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>{{Encode(title)}} – Mnemosyne</title>
            <style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
            button{margin:.25rem .5rem .25rem 0}</style></head>
            <body><h1>{{Encode(title)}}</h1>
            {{body}}
            </body></html>
            """, "text/html; charset=utf-8", statusCode: statusCode);
    }

    /// <summary>
    /// The CSP source for a redirect URI — <c>scheme://host:port</c>, or <c>scheme:</c> for a native app's private-use
    /// scheme — built from the parsed URI and checked character by character, so nothing in a request can add a
    /// directive; null for anything else.
    /// </summary>
    public static string? FormActionSource(string? redirectUri)
    {
        if (!Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) || !SchemePattern().IsMatch(uri.Scheme)
            || uri.Scheme is "javascript" or "data" or "vbscript" or "file" or "blob" or "about" or "filesystem")
        {
            return null;
        }

        if (uri.Scheme is not ("http" or "https"))
        {
            return uri.Scheme + ":";
        }

        var source = $"{uri.Scheme}://{uri.Authority}";
        return AuthorityPattern().IsMatch(uri.Authority) ? source : null;
    }

    [GeneratedRegex("^[a-z][a-z0-9+.-]{0,62}$")]
    private static partial Regex SchemePattern();

    [GeneratedRegex(@"^[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$")]
    private static partial Regex AuthorityPattern();

    /// <summary>A form posting to <paramref name="action"/> with the antiforgery token and <paramref name="hidden"/> fields.</summary>
    public static string Form(HttpContext context, IAntiforgery antiforgery, string action, IEnumerable<KeyValuePair<string, string>> hidden, string content)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""<form method="post" action="{Encode(action)}">""");
        html.Append(CultureInfo.InvariantCulture, $"""<input type="hidden" name="{Encode(tokens.FormFieldName)}" value="{Encode(tokens.RequestToken!)}">""");
        foreach (var (name, value) in hidden)
        {
            html.Append(CultureInfo.InvariantCulture, $"""<input type="hidden" name="{Encode(name)}" value="{Encode(value)}">""");
        }

        html.Append(content).Append("</form>");
        return html.ToString();
    }
}
