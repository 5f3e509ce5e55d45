using Mnemosyne.ServiceDefaults.Audit;

namespace Mnemosyne.AuthService.Audit;

/// <summary>
/// The audit trail as OpenTelemetry log records: one structured record per entry once it is stored, from the
/// category <see cref="Category"/>, every field an attribute (<c>AuditType</c>, <c>Outcome</c>, <c>Principal</c>,
/// <c>Kind</c>, <c>Tool</c>, <c>Reason</c>, <c>LibraryCount</c>, <c>Action</c>, <c>Target</c>, <c>AuditTime</c>,
/// <c>AuditTraceId</c>), exported by the service defaults' OTLP exporter to the dashboard's Structured logs or any
/// collector. An entry holds codes, names and counts only (<see cref="AuditEntry"/>), so no record holds a secret.
/// </summary>
public sealed partial class AuditLogRecords(ILoggerFactory loggers)
{
    public const string Category = "Mnemosyne.Audit";

    private readonly ILogger _logger = loggers.CreateLogger(Category);

    public void Write(IReadOnlyList<AuditEntry> entries)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        foreach (var entry in entries)
        {
            LogEntry(_logger, entry.Type, entry.Outcome, entry.Principal, entry.Kind, entry.Tool, entry.Reason, entry.LibraryCount,
                entry.Action, entry.Target, entry.Time, entry.TraceId);
        }
    }

    [LoggerMessage(LogLevel.Information,
        "audit.{AuditType} {Outcome} {Principal} {Kind} {Tool} {Reason} {LibraryCount} {Action} {Target} at {AuditTime} trace {AuditTraceId}")]
    private static partial void LogEntry(
        ILogger logger, string auditType, string outcome, string? principal, string? kind, string? tool, string? reason,
        int? libraryCount, string? action, string? target, DateTimeOffset auditTime, string? auditTraceId);
}
