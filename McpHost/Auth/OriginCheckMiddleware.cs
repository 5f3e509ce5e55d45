using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// DNS-rebinding protection: a request that carries an <c>Origin</c> header not listed in <c>Mcp:AllowedOrigins</c>
/// gets 403. Requests without <c>Origin</c> (non-browser clients) pass.
/// </summary>
public sealed class OriginCheckMiddleware(RequestDelegate next, IOptions<McpOptions> options)
{
    private readonly HashSet<string> _allowed = new(
        options.Value.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    public Task InvokeAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin;
        if (origin.Count == 0 || (origin.Count == 1 && _allowed.Contains(origin[0]!.TrimEnd('/'))))
        {
            return next(context);
        }

        return Results.Problem(title: "Origin not allowed.", statusCode: StatusCodes.Status403Forbidden,
            extensions: new Dictionary<string, object?> { ["reason"] = "origin_not_allowed" }).ExecuteAsync(context);
    }
}
