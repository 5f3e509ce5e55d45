using Microsoft.Extensions.Diagnostics.HealthChecks;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Libraries;

/// <summary>
/// The library store unreachable makes the service Degraded, not unready: only team tokens need it, and opaque and
/// turn tokens must keep working.
/// </summary>
public sealed class LibraryStoreHealthCheck(ILibraryDirectory libraries) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await libraries.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy("Library store is reachable.");
        }
        catch (LibraryStoreUnavailableException exception)
        {
            return HealthCheckResult.Degraded($"{exception.Message} Team tokens are refused.", exception);
        }
    }
}
