using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Mnemosyne.AuthService.Audit;

/// <summary>
/// The audit trail's writer, off every request's path: <see cref="Record"/> puts an entry in a bounded in-memory
/// queue (<see cref="AuthOptions.AuditQueueCapacity"/>) and returns; a background loop writes what has gathered
/// every second with one binary COPY per thousand rows (once a second disturbs fewer calls than four times a second:
/// the benchmark's p99). When the queue is full the entry is dropped, counted (<c>mcp.audit.dropped</c>) and
/// logged — a call is never blocked or failed for auditing. A failed write is retried
/// with the rows kept (up to the queue's capacity). Graceful shutdown writes what is queued; a crash loses what was
/// queued and not yet written: about a second of entries, more while Postgres is down. Each stored entry also
/// becomes a log record (<see cref="AuditLogRecords"/>); only the database work is untraced, so those records and
/// this writer's own warnings still reach OpenTelemetry.
/// </summary>
public sealed partial class AuditTrail(
    IServiceScopeFactory scopes,
    StartupStep<AuthDbMigration> migration,
    IOptions<AuthOptions> options,
    AuthTelemetry telemetry,
    AuditLogRecords records,
    ILogger<AuditTrail> logger) : BackgroundService, IAuditSink
{
    private static readonly TimeSpan Gather = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly BatchBuffer<AuditEntry> _queue = new(options.Value.AuditQueueCapacity, batchSize: 1000);

    public void Record(AuditEntry entry)
    {
        if (!_queue.TryAdd(entry))
        {
            telemetry.RecordAuditDropped();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await migration.WaitAsync(stoppingToken);
        while (await _queue.WaitToReadAsync(stoppingToken))
        {
            await Task.Delay(Gather, stoppingToken);
            ReportDropped();
            if (!await WriteQueuedAsync(stoppingToken))
            {
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (migration.IsDone)
        {
            await WriteQueuedAsync(cancellationToken);
        }

        ReportDropped();
    }

    /// <summary>Writes everything queued so far; false when Postgres refused (the rows are kept for the next try).</summary>
    public Task<bool> WriteQueuedAsync(CancellationToken cancellationToken) => _queue.DrainAsync(TryCopyAsync, cancellationToken);

    public override void Dispose()
    {
        _queue.Dispose();
        base.Dispose();
    }

    private async Task<bool> TryCopyAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        try
        {
            await Untraced.RunAsync(() => CopyAsync(entries, cancellationToken));
            records.Write(entries);
            return true;
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException
                                          && !cancellationToken.IsCancellationRequested)
        {
            LogWriteFailed(logger, exception, entries.Count);
            return false;
        }
    }

    private async Task CopyAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        await using var connection = new NpgsqlConnection(db.Database.GetConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var copy = await connection.BeginBinaryImportAsync(
            """
            COPY "AuditEvents" ("Time", "Type", "Principal", "Kind", "Tool", "Outcome", "Reason", "LibraryCount", "TraceId", "Action", "Target")
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        foreach (var entry in entries)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(entry.Time, NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(entry.Type, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, entry.Principal, cancellationToken);
            await WriteAsync(copy, entry.Kind, cancellationToken);
            await WriteAsync(copy, entry.Tool, cancellationToken);
            await copy.WriteAsync(entry.Outcome, NpgsqlDbType.Text, cancellationToken);
            await WriteAsync(copy, entry.Reason, cancellationToken);
            if (entry.LibraryCount is { } count)
            {
                await copy.WriteAsync(count, NpgsqlDbType.Integer, cancellationToken);
            }
            else
            {
                await copy.WriteNullAsync(cancellationToken);
            }

            await WriteAsync(copy, entry.TraceId, cancellationToken);
            await WriteAsync(copy, entry.Action, cancellationToken);
            await WriteAsync(copy, entry.Target, cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    private static Task WriteAsync(NpgsqlBinaryImporter copy, string? value, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);

    private void ReportDropped()
    {
        var dropped = _queue.TakeDropped();
        if (dropped > 0)
        {
            LogDropped(logger, dropped);
        }
    }

    [LoggerMessage(LogLevel.Warning, "audit.dropped {Count} entries: the audit queue was full")]
    private static partial void LogDropped(ILogger logger, long count);

    [LoggerMessage(LogLevel.Warning, "audit.write_failed {Count} entries kept for the next try")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, int count);
}
