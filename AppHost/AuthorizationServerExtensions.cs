namespace Mnemosyne.AppHost;

/// <summary>
/// The issuer of Mnemosyne's authorization server (CONTRACT §10), which both services are given: mcp-host's public
/// origin. By default that is mcp-host's own <c>http</c> endpoint (locally <c>http://localhost:5190</c>); behind a
/// proxy or on a custom domain set <c>Auth:AuthorizationServer:Issuer</c> in the AppHost's configuration, which
/// becomes the parameter <c>authorization-server-issuer</c> (published as its default) and wins.
/// </summary>
public static class AuthorizationServerExtensions
{
    public const string Variable = "Auth__AuthorizationServer__Issuer";

    public static ReferenceExpression AddAuthorizationServerIssuer(this IDistributedApplicationBuilder builder,
        IResourceBuilder<ProjectResource> mcpHost) =>
        builder.Configuration["Auth:AuthorizationServer:Issuer"] is { Length: > 0 } issuer
            ? ReferenceExpression.Create($"{builder.AddParameter("authorization-server-issuer", issuer, publishValueAsDefault: true).Resource}")
            : ReferenceExpression.Create($"{mcpHost.GetEndpoint("http")}");
}
