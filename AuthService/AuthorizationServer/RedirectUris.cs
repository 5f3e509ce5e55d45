using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Which redirect URIs a client may register (RFC 6749 §3.1.2, OAuth 2.1, RFC 8252): absolute, no fragment, and
/// https; or http on a loopback host (native apps on the same machine); or a private-use scheme (RFC 8252 §7.1,
/// e.g. <c>com.example.app:/callback</c>, <c>vscode:</c>). Never <c>javascript:</c>, <c>data:</c> and the like, nor
/// plain http to another host.
/// </summary>
public static class RedirectUris
{
    public const int MaxLength = 2000;
    public const int MaxCount = 10;

    private static readonly string[] Forbidden = ["javascript", "data", "file", "vbscript", "about", "blob", "ftp", "ws", "wss"];

    /// <summary>Null when <paramref name="value"/> may be registered; else why not.</summary>
    public static string? Problem(string? value)
    {
        if (value is not { Length: > 0 and <= MaxLength } || !Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            return $"Each redirect URI must be an absolute URI of at most {MaxLength} characters.";
        }

        if (uri.Fragment.Length > 0 || value.Contains('#', StringComparison.Ordinal))
        {
            return $"Redirect URI '{value}' must not have a fragment.";
        }

        return uri.Scheme switch
        {
            "https" => null,
            "http" => IsLoopbackHost(uri) ? null : $"Redirect URI '{value}' uses http on a host that is not loopback; use https.",
            _ when Forbidden.Contains(uri.Scheme) => $"Redirect URI '{value}' uses a forbidden scheme.",
            _ => null, // a private-use scheme: the app that owns it receives the code, with PKCE binding it to this client
        };
    }

    /// <summary>An http redirect to a loopback IP literal, whose port RFC 8252 §7.3 lets vary.</summary>
    public static bool IsLoopbackIp(string value, [NotNullWhen(true)] out Uri? uri) =>
        Uri.TryCreate(value, UriKind.Absolute, out uri) && uri.Scheme == Uri.UriSchemeHttp
        && IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);

    private static bool IsLoopbackHost(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
}
