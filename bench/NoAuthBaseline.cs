using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Mnemosyne.McpHost.Auth;
using ModelContextProtocol.AspNetCore;

namespace Mnemosyne.Bench;

/// <summary>
/// The baseline: McpHost exactly as <c>MapMcpHost</c> maps it, with the auth gate taken out of the path. In its place
/// every request is handed a fixed scope (the benchmark's libraries), so the tools do the same work as for a
/// resolved token: no body buffering or parsing by the gate, no call to auth-service, nothing else removed.
/// </summary>
public static class NoAuthBaseline
{
    public static WebApplication MapMcpHostWithoutAuth(this WebApplication app, IReadOnlyList<string> libraries)
    {
        var scope = new CallerScope("baseline", libraries);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<DnsRebindingMiddleware>();
        app.Use((context, next) =>
        {
            scope.AttachTo(context);
            return next(context);
        });
        app.MapDefaultEndpoints();
        app.MapMcp("/mcp");
        return app;
    }
}
