using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>Not ready until the signing keys are loaded, and again whenever they cannot be refreshed.</summary>
public sealed class SigningKeyRingHealthCheck(SigningKeyRing ring) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(ring.IsTrusted
            ? HealthCheckResult.Healthy("Signing keys are current.")
            : HealthCheckResult.Unhealthy("Signing keys are not loaded or cannot be confirmed current: JWTs are refused."));
}
