using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Mnemosyne.AuthService.Libraries;

/// <summary>
/// The library store unreachable makes the service Degraded, not unready: only team tokens need it, and opaque and
/// turn tokens must keep working.
/// </summary>
public sealed class LibraryStoreHealthCheck([FromKeyedServices("librarydb")] NpgsqlDataSource librarydb) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await librarydb.OpenConnectionAsync(cancellationToken);
            return HealthCheckResult.Healthy("Library store (librarydb) is reachable.");
        }
        catch (NpgsqlException exception)
        {
            return HealthCheckResult.Degraded("Library store (librarydb) is unreachable: team tokens are refused.", exception);
        }
    }
}
