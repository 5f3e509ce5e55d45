using System.Net;
using System.Text.RegularExpressions;

namespace Mnemosyne.Testing;

/// <summary>
/// What a user's browser does with an authorization URL at Mnemosyne's authorization server, over plain HTTP with a
/// cookie jar: follows redirects — on mcp-host's origin and across origins, to an upstream identity provider and back
/// — clicks <see cref="Upstream"/> (or the development sign-in) on the sign-in chooser, submits the development
/// sign-in form as <paramref name="username"/> and the consent form with the given decision, and stops at the
/// redirect back to the client (returned with its <c>code</c>, <c>state</c>, <c>iss</c> or <c>error</c>). One driver
/// is one browser profile: its cookies remember the sign-in. The pages' own form fields and links (antiforgery token,
/// request parameters) are read from the HTML, so a page without them fails the test.
/// </summary>
public sealed partial class SignInDriver(string username) : IDisposable
{
    private readonly HttpClient _http = new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() });

    /// <summary>How many consent pages were shown (a remembered consent shows none).</summary>
    public int ConsentPages { get; private set; }

    /// <summary>How many sign-in choosers were shown (with one way to sign in, the chooser goes straight to it).</summary>
    public int ChooserPages { get; private set; }

    /// <summary>The HTML of the last consent page shown, to check what it says about the client.</summary>
    public string? LastConsentPage { get; private set; }

    /// <summary>"allow" or "deny" on the consent page.</summary>
    public string Decision { get; set; } = "allow";

    /// <summary>The display name of the upstream identity provider to pick on the chooser; null: the development sign-in.</summary>
    public string? Upstream { get; set; }

    /// <summary>Where the forms are posted, when not to the page's own origin (a test sends them to another replica).</summary>
    public Uri? FormOrigin { get; set; }

    /// <summary>Where a sign-in ended: the redirect to the client, or the page (status and HTML) it stopped on.</summary>
    public sealed record Outcome(Uri? Landing, Uri Page, HttpStatusCode Status, string Body);

    /// <summary>The whole sign-in, which must end back at the client: that redirect.</summary>
    public async Task<Uri> AuthorizeAsync(Uri authorizationUri, Uri redirectUri, CancellationToken cancellationToken)
    {
        var outcome = await FollowAsync(authorizationUri, redirectUri, cancellationToken);
        Assert.True(outcome.Landing is not null, $"{outcome.Page} answered {(int)outcome.Status}: {outcome.Body}");
        return outcome.Landing!;
    }

    /// <summary>
    /// Follows <paramref name="start"/> (an authorization URL, or any page of the sign-in) until a redirect to a URL
    /// beginning with <paramref name="redirectUri"/>, or until a page that is neither the chooser, the development
    /// sign-in nor the consent page — an error page, say.
    /// </summary>
    public async Task<Outcome> FollowAsync(Uri start, Uri redirectUri, CancellationToken cancellationToken)
    {
        var origin = new Uri(start.GetLeftPart(UriPartial.Authority));
        HttpRequestMessage next = new(HttpMethod.Get, start);
        for (var step = 0; step < 20; step++)
        {
            var page = next.RequestUri!;
            using var response = await _http.SendAsync(next, cancellationToken).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            next.Dispose();
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther)
            {
                var location = new Uri(origin, response.Headers.Location!);
                if (location.ToString().StartsWith(redirectUri.GetLeftPart(UriPartial.Path), StringComparison.Ordinal)
                    || location.GetLeftPart(UriPartial.Authority) == redirectUri.GetLeftPart(UriPartial.Authority) && location.AbsolutePath == redirectUri.AbsolutePath)
                {
                    return new Outcome(location, page, response.StatusCode, body);
                }

                next = new HttpRequestMessage(HttpMethod.Get, location);
                continue;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return new Outcome(null, page, response.StatusCode, body);
            }

            if (body.Contains("Allow access?", StringComparison.Ordinal))
            {
                LastConsentPage = body;
                ConsentPages++;
                next = Submit(origin, body, "mnemosyne_consent", Decision);
            }
            else if (body.Contains("Choose how to sign in", StringComparison.Ordinal))
            {
                ChooserPages++;
                next = new HttpRequestMessage(HttpMethod.Get, new Uri(origin, Choose(page, body)));
            }
            else if (body.Contains("<form", StringComparison.Ordinal))
            {
                next = Submit(origin, body, "username", username);
            }
            else
            {
                return new Outcome(null, page, response.StatusCode, body);
            }
        }

        throw new InvalidOperationException("The sign-in did not come back to the client within 20 steps.");
    }

    /// <summary>The chooser's link to <see cref="Upstream"/>, or to the development sign-in.</summary>
    private string Choose(Uri page, string body)
    {
        var links = LinkPattern().Matches(body)
            .Select(m => (Text: WebUtility.HtmlDecode(m.Groups["text"].Value), Href: WebUtility.HtmlDecode(m.Groups["href"].Value)))
            .ToList();
        var chosen = links.FirstOrDefault(l => Upstream is null
            ? l.Href.StartsWith("/oauth/signin/development", StringComparison.Ordinal)
            : l.Text == Upstream);
        Assert.True(chosen.Href is not null, $"The chooser at {page} has no link to '{Upstream ?? "the development sign-in"}': {body}");
        return chosen.Href;
    }

    private HttpRequestMessage Submit(Uri origin, string page, string field, string value)
    {
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

    [GeneratedRegex("""<a href="(?<href>[^"]*)">(?<text>[^<]*)</a>""")]
    private static partial Regex LinkPattern();

    public void Dispose() => _http.Dispose();
}
