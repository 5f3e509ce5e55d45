using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// RFC 9728 protected-resource metadata for <c>/mcp</c>, and the URLs the 401/403 <c>WWW-Authenticate</c> headers
/// point to. The resource URL comes from <c>Mcp:ResourceUrl</c> when set (behind a proxy), else from the request.
/// The authorization servers and the scope are auth-service's <c>Auth:OAuth</c> settings (CONTRACT §6), so what
/// clients are told is what auth-service accepts.
/// </summary>
public static class ProtectedResource
{
    public const string MetadataPath = "/.well-known/oauth-protected-resource/mcp";

    public sealed record Metadata(
        [property: JsonPropertyName("resource")] string Resource,
        [property: JsonPropertyName("bearer_methods_supported")] string[] BearerMethodsSupported,
        [property: JsonPropertyName("authorization_servers")] string[] AuthorizationServers,
        [property: JsonPropertyName("scopes_supported"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string[]? ScopesSupported,
        [property: JsonPropertyName("resource_name")] string ResourceName);

    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder app)
    {
        app.MapGet(MetadataPath, (HttpRequest request, IOptions<McpOptions> options, IOptions<OAuthOptions> oauth) =>
            TypedResults.Ok(new Metadata(ResourceUrl(request, options.Value), ["header"],
                [.. oauth.Value.Issuers.Select(i => i.Issuer)],
                RequiredScope(oauth.Value) is { } scope ? [scope] : null,
                options.Value.ResourceName)));
        return app;
    }

    /// <summary>The scope clients must ask for, when OAuth is configured and a scope is required; else null.</summary>
    public static string? RequiredScope(OAuthOptions oauth) =>
        oauth.Enabled && oauth.RequiredScope.Length > 0 ? oauth.RequiredScope : null;

    public static string ResourceUrl(HttpRequest request, McpOptions options) =>
        options.ResourceUrl ?? BaseUrl(request) + "/mcp";

    public static string MetadataUrl(HttpRequest request, McpOptions options) =>
        options.ResourceUrl is { } resource
            ? new Uri(new Uri(resource), MetadataPath).ToString()
            : BaseUrl(request) + MetadataPath;

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";
}
