using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// RFC 9728 protected-resource metadata for <c>/mcp</c>, and the URLs the 401/403 <c>WWW-Authenticate</c> headers
/// point to. The resource URL comes from <c>Mcp:ResourceUrl</c> when set (behind a proxy), else from the request.
/// </summary>
public static class ProtectedResource
{
    public const string MetadataPath = "/.well-known/oauth-protected-resource/mcp";

    public sealed record Metadata(
        [property: System.Text.Json.Serialization.JsonPropertyName("resource")] string Resource,
        [property: System.Text.Json.Serialization.JsonPropertyName("bearer_methods_supported")] string[] BearerMethodsSupported,
        [property: System.Text.Json.Serialization.JsonPropertyName("authorization_servers")] string[] AuthorizationServers,
        [property: System.Text.Json.Serialization.JsonPropertyName("resource_name")] string ResourceName);

    public static IEndpointRouteBuilder MapProtectedResourceMetadata(this IEndpointRouteBuilder app)
    {
        app.MapGet(MetadataPath, (HttpRequest request, IOptions<McpOptions> options) =>
            TypedResults.Ok(new Metadata(ResourceUrl(request, options.Value), ["header"],
                options.Value.AuthorizationServers, options.Value.ResourceName)));
        return app;
    }

    public static string ResourceUrl(HttpRequest request, McpOptions options) =>
        options.ResourceUrl ?? BaseUrl(request) + "/mcp";

    public static string MetadataUrl(HttpRequest request, McpOptions options) =>
        options.ResourceUrl is { } resource
            ? new Uri(new Uri(resource), MetadataPath).ToString()
            : BaseUrl(request) + MetadataPath;

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}";
}
