using Microsoft.AspNetCore.Builder;
using Mnemosyne.McpHost;
using Mnemosyne.McpHost.Auth;

namespace Mnemosyne.Bench;

/// <summary>
/// The baseline: McpHost mapped by <c>MapMcpHost</c> itself, with the auth gate replaced. In its place every request
/// is handed a fixed scope (the benchmark's libraries), so the tools do the same work as for a resolved token: no
/// body buffering or parsing by the gate, no decision, nothing else removed.
/// </summary>
public static class NoAuthBaseline
{
    public static WebApplication MapMcpHostWithoutAuth(this WebApplication app, IReadOnlyList<string> libraries)
    {
        var scope = new CallerScope("baseline", libraries);
        return app.MapMcpHost(mcp => mcp.Use((context, next) =>
        {
            scope.AttachTo(context);
            return next(context);
        }));
    }
}
