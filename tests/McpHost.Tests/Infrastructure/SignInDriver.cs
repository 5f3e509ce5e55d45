using System.Net;
using System.Text.RegularExpressions;
using ModelContextProtocol.Authentication;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// What a user's browser does with an authorization URL at Mnemosyne's authorization server, over plain HTTP with a
/// cookie jar: follows redirects on mcp-host's origin, submits the development sign-in form as
/// <paramref name="username"/> and the consent form with the given decision, and stops at the redirect back to the
/// client (returned with its <c>code</c>, <c>state</c>, <c>iss</c> or <c>error</c>). One driver is one browser
/// profile: its cookies remember the sign-in. The pages' own form fields (antiforgery token, request parameters) are
/// read from the HTML, so a page without them fails the test.
/// </summary>
public sealed partial class SignInDriver(string username) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });

    /// <summary>How many consent pages were shown (a remembered consent shows none).</summary>
    public int ConsentPages { get; private set; }

    /// <summary>The HTML of the last consent page shown, to check what it says about the client.</summary>
    public string? LastConsentPage { get; private set; }

    /// <summary>"allow" or "deny" on the consent page.</summary>
    public string Decision { get; set; } = "allow";

    /// <summary>Where the forms are posted, when not to the page's own origin (a test sends them to another replica).</summary>
    public Uri? FormOrigin { get; set; }

    public async Task<Uri> AuthorizeAsync(Uri authorizationUri, Uri redirectUri, CancellationToken cancellationToken)
    {
        var origin = new Uri(authorizationUri.GetLeftPart(UriPartial.Authority));
        HttpRequestMessage next = new(HttpMethod.Get, authorizationUri);
        for (var step = 0; step < 10; step++)
        {
            using var response = await _http.SendAsync(next, cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            next.Dispose();
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
            {
                var location = new Uri(origin, response.Headers.Location!);
                if (location.ToString().StartsWith(redirectUri.GetLeftPart(UriPartial.Path), StringComparison.Ordinal)
                    || location.GetLeftPart(UriPartial.Authority) == redirectUri.GetLeftPart(UriPartial.Authority) && location.AbsolutePath == redirectUri.AbsolutePath)
                {
                    return location;
                }

                next = new HttpRequestMessage(HttpMethod.Get, location);
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{next.RequestUri} answered {(int)response.StatusCode}: {body}");
            var consent = body.Contains("Allow access?", StringComparison.Ordinal);
            LastConsentPage = consent ? body : LastConsentPage;
            next = consent
                ? Submit(origin, body, "mnemosyne_consent", Decision, consent: true)
                : Submit(origin, body, "username", username, consent: false);
        }

        throw new InvalidOperationException("The sign-in did not come back to the client within 10 steps.");
    }

    /// <summary>The MCP C# client's <c>AuthorizationCallbackHandler</c>: this browser signs in and hands back what the redirect carried.</summary>
    public async Task<AuthorizationResult?> CompleteAsync(AuthorizationCallbackContext context, CancellationToken cancellationToken)
    {
        var landing = await AuthorizeAsync(context.AuthorizationUri, context.RedirectUri, cancellationToken);
        return new AuthorizationResult
        {
            Code = OAuthFlow.Query(landing, "code"), State = OAuthFlow.Query(landing, "state"), Iss = OAuthFlow.Query(landing, "iss"),
        };
    }

    private HttpRequestMessage Submit(Uri origin, string page, string field, string value, bool consent)
    {
        if (consent)
        {
            ConsentPages++;
        }

        // The last form on the page: the consent form, or the sign-in form with the free-text username.
        var form = FormPattern().Matches(page).Last();
        var fields = HiddenPattern().Matches(form.Groups["fields"].Value)
            .Select(m => KeyValuePair.Create(WebUtility.HtmlDecode(m.Groups["name"].Value), WebUtility.HtmlDecode(m.Groups["value"].Value)))
            .Append(KeyValuePair.Create(field, value));
        return new HttpRequestMessage(HttpMethod.Post, new Uri(FormOrigin ?? origin, WebUtility.HtmlDecode(form.Groups["action"].Value)))
        {
            Content = new FormUrlEncodedContent(fields),
        };
    }

    [GeneratedRegex("""<form method="post" action="(?<action>[^"]*)">(?<fields>.*?)</form>""", RegexOptions.Singleline)]
    private static partial Regex FormPattern();

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]*)" value="(?<value>[^"]*)">""")]
    private static partial Regex HiddenPattern();

    public void Dispose() => _http.Dispose();
}
