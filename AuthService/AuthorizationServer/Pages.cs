using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// The sign-in and consent pages: minimal server-rendered HTML, every value HTML-encoded, every form carrying the
/// antiforgery token. No script, so a strict CSP can forbid all of it.
/// </summary>
public static class Pages
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;

    public static string Encode(string value) => Encoder.Encode(value);

    public static IResult Render(HttpContext context, string title, string body, int statusCode = StatusCodes.Status200OK)
    {
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
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
