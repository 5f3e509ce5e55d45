using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mnemosyne.AuthService.Data;

/// <summary>Keeps <c>/health</c> unhealthy (503) until migrations are applied.</summary>
public sealed class DatabaseReadinessHealthCheck(DatabaseReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady
            ? HealthCheckResult.Healthy("authdb migrations applied.")
            : HealthCheckResult.Unhealthy("authdb migrations are not applied yet."));
}
