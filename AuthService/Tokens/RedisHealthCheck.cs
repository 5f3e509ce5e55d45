using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Redis down makes the service Degraded, not unready: only turn JWTs need the replay cache, and opaque and
/// team tokens must keep working.
/// </summary>
public sealed class RedisHealthCheck(IConnectionMultiplexer redis) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(redis.IsConnected
            ? HealthCheckResult.Healthy("Redis (jti replay cache) is connected.")
            : HealthCheckResult.Degraded("Redis (jti replay cache) is unreachable: turn JWTs are refused."));
}
