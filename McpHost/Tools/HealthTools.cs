using System.ComponentModel;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.McpHost.Libraries;
using Mnemosyne.ServiceDefaults;
using ModelContextProtocol.Server;

namespace Mnemosyne.McpHost.Tools;

/// <summary>The one public tool: callable without a token by health pollers and agents at start-up.</summary>
[McpServerToolType]
public sealed class HealthTools(AuthServiceClient authService, ILibraryStore store)
{
    public sealed record HealthReport(
        [property: Description("'ok' when both dependencies are healthy, else 'degraded'.")] string Status,
        [property: Description("'healthy' or 'unhealthy'.")] string AuthService,
        [property: Description("'healthy' or 'unhealthy'.")] string LibraryStore);

    [McpServerTool(Name = "get_health", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Reports whether Mnemosyne can serve tool calls: the status of the authentication service and of the library store. Needs no token.")]
    public async Task<HealthReport> GetHealthAsync(CancellationToken cancellationToken)
    {
        var auth = await authService.IsHealthyAsync(cancellationToken);
        bool libraries;
        try
        {
            await store.PingAsync(cancellationToken);
            libraries = true;
        }
        catch (LibraryStoreUnavailableException)
        {
            libraries = false;
        }

        return new HealthReport(auth && libraries ? "ok" : "degraded", auth ? "healthy" : "unhealthy", libraries ? "healthy" : "unhealthy");
    }
}
