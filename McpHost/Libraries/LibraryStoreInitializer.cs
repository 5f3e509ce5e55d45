using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Mnemosyne.McpHost.Telemetry;
using Mnemosyne.ServiceDefaults.Neo4j;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>
/// Sets up the library store's schema at start (Postgres migrations, or Neo4j constraints and the full-text index) as
/// a traced step, retrying while the store is unreachable; <c>/health</c> stays unhealthy until it has succeeded.
/// Refused Neo4j credentials stop the service: retrying cannot fix them.
/// </summary>
public sealed partial class LibraryStoreInitializer(
    IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, ILogger<LibraryStoreInitializer> logger)
    : BackgroundService, IHealthCheck
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private volatile bool _ready;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready
            ? HealthCheckResult.Healthy("Library store schema is in place.")
            : HealthCheckResult.Unhealthy("Library store schema is not in place yet."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var activity = McpTelemetry.ActivitySource.StartActivity("library store schema");
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ILibraryStore>().EnsureSchemaAsync(stoppingToken);
                _ready = true;
                LogReady(logger);
                return;
            }
            catch (Neo4jAuthenticationException exception)
            {
                activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
                LogCredentialsRefused(logger, exception.Message);
                lifetime.StopApplication();
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
                LogFailed(logger, exception, RetryDelay.TotalSeconds);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "library_store.ready")]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "library_store.schema_failed retrying in {DelaySeconds}s")]
    private static partial void LogFailed(ILogger logger, Exception exception, double delaySeconds);

    [LoggerMessage(LogLevel.Critical, "library_store.credentials_refused: {Message} Stopping.")]
    private static partial void LogCredentialsRefused(ILogger logger, string message);
}
