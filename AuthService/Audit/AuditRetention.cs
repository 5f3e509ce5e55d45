using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;
using OpenTelemetry;

namespace Mnemosyne.AuthService.Audit;

/// <summary>
/// Deletes audit entries older than <see cref="AuthOptions.AuditRetentionDays"/>, hourly, ten thousand rows per
/// statement so no delete holds locks for long. Every instance runs it; the deletes are idempotent.
/// </summary>
public sealed partial class AuditRetention(
    IServiceScopeFactory scopes,
    StartupStep<AuthDbMigration> migration,
    IOptions<AuthOptions> options,
    TimeProvider time,
    ILogger<AuditRetention> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Deletes what is past retention now; returns how many rows went.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var cutoff = time.GetUtcNow().AddDays(-options.Value.AuditRetentionDays);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        var total = 0;
        int deleted;
        do
        {
            deleted = await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                DELETE FROM "AuditEvents" WHERE "Id" IN (SELECT "Id" FROM "AuditEvents" WHERE "Time" < {cutoff} LIMIT 10000)
                """, cancellationToken);
            total += deleted;
        }
        while (deleted > 0);

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        await migration.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                if (await DeleteExpiredAsync(stoppingToken) is > 0 and var deleted)
                {
                    LogDeleted(logger, deleted);
                }
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(LogLevel.Information, "audit.retention_deleted {Count} entries")]
    private static partial void LogDeleted(ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "audit.retention_failed: tried again in an hour")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
