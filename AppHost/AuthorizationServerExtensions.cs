namespace Mnemosyne.AppHost;

/// <summary>
/// The issuer of Mnemosyne's authorization server (CONTRACT §10), which both services are given: mcp-host's public
/// origin. By default that is mcp-host's own <c>http</c> endpoint (locally <c>http://localhost:5190</c>); behind a
/// proxy or on a custom domain set <c>Auth:AuthorizationServer:Issuer</c> in the AppHost's configuration, which
/// becomes the parameter <c>authorization-server-issuer</c> (published as its default) and wins. The upstream identity
/// providers users sign in through (<c>Auth:AuthorizationServer:Upstream:n:…</c>) go to auth-service alone, as
/// parameters <c>upstream-0-issuer</c>, <c>upstream-0-client-id</c>, … (<see cref="ConfiguredParameters"/>); the client
/// secret is a secret parameter, never written into the manifest.
/// </summary>
public static class AuthorizationServerExtensions
{
    public const string Variable = "Auth__AuthorizationServer__Issuer";

    public static ReferenceExpression AddAuthorizationServerIssuer(this IDistributedApplicationBuilder builder,
        IResourceBuilder<ProjectResource> mcpHost) =>
        builder.Configuration["Auth:AuthorizationServer:Issuer"] is { Length: > 0 } issuer
            ? ReferenceExpression.Create($"{builder.AddParameter("authorization-server-issuer", issuer, publishValueAsDefault: true).Resource}")
            : ReferenceExpression.Create($"{mcpHost.GetEndpoint("http")}");

    /// <summary>One parameter per upstream sign-in value in the AppHost's configuration, with the variable it goes to.</summary>
    public static IReadOnlyList<(string Variable, IResourceBuilder<ParameterResource> Parameter)> AddUpstreamSignInParameters(
        this IDistributedApplicationBuilder builder)
    {
        const string section = "Auth:AuthorizationServer:Upstream";
        var settings = new List<(string, IResourceBuilder<ParameterResource>)>();
        foreach (var n in builder.Configuration.GetSection(section).GetChildren().Select(c => c.Key))
        {
            void Add(string key, string name, bool secret = false) =>
                builder.AddIfSet(settings, $"{section}:{n}:{key}", $"upstream-{n}-{name}", secret);
            Add("Issuer", "issuer");
            Add("ClientId", "client-id");
            Add("ClientSecret", "client-secret", secret: true);
            Add("GroupsClaim", "groups-claim");
            Add("DisplayName", "display-name");
            foreach (var m in builder.Configuration.GetSection($"{section}:{n}:Scopes").GetChildren().Select(c => c.Key))
            {
                Add($"Scopes:{m}", $"scope-{m}");
            }
        }

        return settings;
    }
}
