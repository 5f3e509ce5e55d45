using System.Diagnostics.Metrics;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.McpHost.Telemetry;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Audit;
using OpenTelemetry;

namespace Mnemosyne.McpHost.Audit;

/// <summary>
/// mcp-host's audit entries (every <c>tools/call</c> decision, cached or not, and library-admin changes) go to
/// auth-service's <c>POST /v1/audit</c>, which keeps the trail in authdb. <see cref="Record"/> only queues (a
/// <see cref="BatchBuffer{T}"/>: a full buffer drops the entry, counts it as <c>mcp.audit.dropped</c> and logs it,
/// never blocking a call); a background loop sends what gathered every second, a thousand at a time, and
/// keeps entries auth-service did not take for the next try. Graceful shutdown sends what is queued.
/// </summary>
public sealed partial class AuditForwarder : BackgroundService, IAuditSink
{
    public const int Capacity = 10_000;
    private static readonly TimeSpan Gather = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly BatchBuffer<AuditEntry> _queue = new(Capacity, batchSize: 1000);
    private readonly AuthServiceClient _authService;
    private readonly ILogger<AuditForwarder> _logger;
    private readonly Counter<long> _dropped;

    public AuditForwarder(AuthServiceClient authService, IMeterFactory meters, ILogger<AuditForwarder> logger)
    {
        _authService = authService;
        _logger = logger;
        _dropped = meters.Create(McpTelemetry.Name).CreateCounter<long>("mcp.audit.dropped",
            description: "Audit entries dropped because the queue was full.");
    }

    public void Record(AuditEntry entry)
    {
        if (!_queue.TryAdd(entry))
        {
            _dropped.Add(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        while (await _queue.WaitToReadAsync(stoppingToken))
        {
            await Task.Delay(Gather, stoppingToken);
            if (!await SendQueuedAsync(stoppingToken))
            {
                await Task.Delay(RetryDelay, stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        using var untraced = SuppressInstrumentationScope.Begin();
        await SendQueuedAsync(cancellationToken);
    }

    /// <summary>Sends everything queued so far; false when auth-service did not take it (kept for the next try).</summary>
    public Task<bool> SendQueuedAsync(CancellationToken cancellationToken)
    {
        if (_queue.TakeDropped() is > 0 and var dropped)
        {
            LogDropped(_logger, dropped);
        }

        return _queue.DrainAsync(SendAsync, cancellationToken);
    }

    public override void Dispose()
    {
        _queue.Dispose();
        base.Dispose();
    }

    private async Task<bool> SendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken cancellationToken)
    {
        switch (await _authService.PostInternalAsync("/v1/audit", entries, cancellationToken))
        {
            case AuthServiceClient.Delivery.Taken:
                return true;
            case AuthServiceClient.Delivery.Refused:
                // Kept, it would block every later entry for ever: dropped, and said loudly (it is a bug).
                LogRefused(_logger, entries.Count);
                return true;
            default:
                LogSendFailed(_logger, entries.Count);
                return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "audit.dropped {Count} entries: the audit queue was full")]
    private static partial void LogDropped(ILogger logger, long count);

    [LoggerMessage(LogLevel.Error, "audit.refused {Count} entries refused by auth-service as invalid and dropped")]
    private static partial void LogRefused(ILogger logger, int count);

    [LoggerMessage(LogLevel.Warning, "audit.send_failed {Count} entries kept for the next try")]
    private static partial void LogSendFailed(ILogger logger, int count);
}
