using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mnemosyne.McpHost.Libraries;

/// <summary>
/// Applies the library store's migrations at start as a traced step, retrying while Postgres is not reachable;
/// <c>/health</c> stays unhealthy until it has succeeded.
/// </summary>
public sealed partial class LibraryStoreMigrator(IServiceScopeFactory scopes, ILogger<LibraryStoreMigrator> logger)
    : BackgroundService, IHealthCheck
{
    public static readonly ActivitySource ActivitySource = new("Mnemosyne.Mcp");

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private volatile bool _ready;

    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ready
            ? HealthCheckResult.Healthy("librarydb migrations applied.")
            : HealthCheckResult.Unhealthy("librarydb migrations are not applied yet."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            using var activity = ActivitySource.StartActivity("librarydb migrate");
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<LibraryDbContext>().Database.MigrateAsync(stoppingToken);
                _ready = true;
                LogMigrated(logger);
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
                LogMigrationFailed(logger, exception, RetryDelay.TotalSeconds);
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "librarydb.migrated")]
    private static partial void LogMigrated(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "librarydb.migration_failed retrying in {DelaySeconds}s")]
    private static partial void LogMigrationFailed(ILogger logger, Exception exception, double delaySeconds);
}
