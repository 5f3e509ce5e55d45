using ModelContextProtocol.Authentication;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

public static class SignInDriverCallback
{
    /// <summary>The MCP C# client's <c>AuthorizationCallbackHandler</c>: this browser signs in and hands back what the redirect carried.</summary>
    public static async Task<AuthorizationResult?> CompleteAsync(this SignInDriver browser, AuthorizationCallbackContext context,
        CancellationToken cancellationToken)
    {
        var landing = await browser.AuthorizeAsync(context.AuthorizationUri, context.RedirectUri, cancellationToken);
        return new AuthorizationResult
        {
            Code = OAuthFlow.Query(landing, "code"), State = OAuthFlow.Query(landing, "state"), Iss = OAuthFlow.Query(landing, "iss"),
        };
    }
}
