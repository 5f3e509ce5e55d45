namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Where a sign-in may return to: only the authorization endpoint on this server (an open redirect would let any link
/// bounce a signed-in browser anywhere). Every sign-in page and the upstream callback check it.
/// </summary>
public static class SignInReturnUrl
{
    public static bool IsValid(string? returnUrl) =>
        returnUrl is { Length: <= 8192 } && returnUrl.StartsWith("/oauth/authorize?", StringComparison.Ordinal);
}
