using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Mnemosyne.AppHost;

/// <summary>Redis from the local <c>redis-server</c>; ready when it answers PING.</summary>
public static class LocalRedisExtensions
{
    public static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, string name, string dataRoot)
    {
        var redisServer = LocalExecutables.OnPath("redis-server") ?? throw new InvalidOperationException(
            "Local infrastructure needs redis-server and it is not on PATH. Install it (Debian/Ubuntu: apt-get install " +
            "redis-server; macOS: brew install redis), or start a container runtime and use --Infrastructure=containers.");
        var directory = Path.Combine(dataRoot, name);
        Directory.CreateDirectory(directory);

        var redis = builder.AddResource(new LocalRedisResource(name, redisServer, directory))
            .WithEndpoint(targetPort: null, scheme: "tcp", name: LocalRedisResource.EndpointName)
            .WithArgs(context =>
            {
                context.Args.Add("--port");
                context.Args.Add(((LocalRedisResource)context.Resource).Endpoint.Property(EndpointProperty.TargetPort));
                foreach (var argument in (string[])["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory])
                {
                    context.Args.Add(argument);
                }
            });

        var healthCheck = $"{name}-ready";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck,
            _ => new PingHealthCheck(redis.Resource), HealthStatus.Unhealthy, tags: null));
        return redis.WithHealthCheck(healthCheck);
    }

    /// <summary>Ready when the server answers PING.</summary>
    private sealed class PingHealthCheck(LocalRedisResource redis) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var options = ConfigurationOptions.Parse(await redis.ConnectionStringExpression.GetValueAsync(cancellationToken) ?? "");
                options.AbortOnConnectFail = true;
                options.ConnectTimeout = 1000;
                await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
                await connection.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is RedisException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("redis-server is not answering yet.", exception);
            }
        }
    }
}
