using Mnemosyne.AuthService.AuthorizationServer;

namespace Mnemosyne.AuthService.Tests.Unit;

/// <summary>
/// The CSP <c>form-action</c> source a sign-in or consent page names for the client's redirect URI: its origin, or a
/// native app's scheme — and nothing that could add a directive or a dangerous scheme, whatever the request held.
/// </summary>
public sealed class FormActionSourceTests
{
    [Theory]
    [InlineData("http://127.0.0.1:7/callback", "http://127.0.0.1:7")]
    [InlineData("https://app.example/oauth/cb?x=1", "https://app.example")]
    [InlineData("https://app.example:8443/cb", "https://app.example:8443")]
    [InlineData("http://[::1]:51234/cb", "http://[::1]:51234")]
    [InlineData("vscode://vscode.github-authentication/did-authenticate", "vscode:")]
    [InlineData("com.example.app:/oauth2redirect", "com.example.app:")]
    public void Names_the_origin_or_the_private_use_scheme(string redirectUri, string source) =>
        Assert.Equal(source, Pages.FormActionSource(redirectUri));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("/relative/callback")]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:text/html,<form>")]
    [InlineData("https://app.example;script-src */cb")]
    [InlineData("https://app.example cb.example/cb")]
    [InlineData("https://app.example'/cb")]
    public void Names_nothing_for_anything_else(string? redirectUri) =>
        Assert.Null(Pages.FormActionSource(redirectUri));
}
