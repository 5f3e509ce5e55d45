using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Mnemosyne.ServiceDefaults.Audit;

/// <summary>
/// Declared once on an admin route group: every change (any method but GET) is recorded with its action (e.g.
/// <c>token.deactivate</c>, derived from the route: <see cref="ActionOf"/>), its target (the path below
/// <c>/admin/v1/</c>, which holds ids and names, never secrets) and whether it succeeded.
/// </summary>
public sealed class AuditAdminChanges(IAuditSink audit, TimeProvider time) : IEndpointFilter
{
    private const string Root = "/admin/v1/";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsGet(http.Request.Method))
        {
            return await next(context);
        }

        var outcome = "failed";
        try
        {
            var result = await next(context);
            outcome = EndpointResults.IsFailure(result) ? "failed" : "succeeded";
            return result;
        }
        finally
        {
            var path = http.Request.Path.Value ?? "";
            audit.Record(AuditEntry.AdminChange(time.GetUtcNow(),
                ActionOf(http.GetEndpoint() as RouteEndpoint, http.Request.Method),
                path.StartsWith(Root, StringComparison.Ordinal) ? path[Root.Length..] : path, outcome));
        }
    }

    /// <summary>
    /// <c>resource.verb</c> from the route: <c>POST /tokens</c> → <c>token.create</c>, <c>POST /tokens/{id}/deactivate</c> →
    /// <c>token.deactivate</c>, <c>PUT /teams/{id}/workspaces</c> → <c>team.set-workspaces</c>,
    /// <c>POST /oauth/clients/{clientId}/block</c> → <c>oauth-client.block</c>,
    /// <c>DELETE /libraries/{uid}/documents/{documentUid}</c> → <c>document.delete</c>.
    /// </summary>
    public static string ActionOf(RouteEndpoint? endpoint, string method)
    {
        var segments = endpoint?.RoutePattern.PathSegments ?? [];
        var literals = segments.Where(s => s.IsSimple && s.Parts[0] is RoutePatternLiteralPart)
            .Select(s => ((RoutePatternLiteralPart)s.Parts[0]).Content).SkipWhile(l => l is "admin" or "v1").ToList();
        if (literals.Count == 0)
        {
            return "unknown." + method.ToLowerInvariant();
        }

        // The authorization server's resources live under /oauth: oauth/clients/… → oauth-client.
        var family = literals is ["oauth", _, ..] ? "oauth-" : "";
        if (family.Length > 0)
        {
            literals.RemoveAt(0);
        }

        var lastIsParameter = segments.Count > 0 && segments[^1].Parts.Any(p => p is RoutePatternParameterPart);
        var methodVerb = method switch { "POST" => "create", "PUT" => "put", "DELETE" => "delete", _ => method.ToLowerInvariant() };
        if (lastIsParameter || literals.Count == 1)
        {
            return family + Singular(literals[^1]) + "." + methodVerb;
        }

        var verb = HttpMethods.IsPut(method) ? "set-" + literals[^1] : literals[^1];
        return family + Singular(literals[0]) + "." + verb;
    }

    private static string Singular(string plural) => plural switch
    {
        "libraries" => "library",
        _ when plural.EndsWith('s') => plural[..^1],
        _ => plural,
    };
}

public static class AuditAdminChangesExtensions
{
    public static TBuilder AuditsChanges<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter<TBuilder, AuditAdminChanges>();
}
