using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Mnemosyne.McpHost.Auth;
using Mnemosyne.ServiceDefaults.Audit;
using OpenTelemetry;

namespace Mnemosyne.McpHost.Audit;

/// <summary>
/// mcp-host's audit entries (every <c>tools/call</c> decision, cached or not, and library-admin changes) go to
/// auth-service's <c>POST /v1/audit</c>, which keeps the trail in authdb. <see cref="Record"/> only queues (bounded:
/// a full queue drops the entry, counts it as <c>mcp.audit.dropped</c> and logs it, never blocking a call); a
/// background loop sends what gathered every quarter second, a thousand at a time, and keeps entries auth-service
/// did not take for the next try. Graceful shutdown sends what is queued.
/// </summary>
public sealed partial class AuditForwarder : BackgroundService, IAuditSink
{
    public const int Capacity = 10_000;
    private const int BatchSize = 1000;
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly Channel<AuditEntry> _queue = Channel.CreateBounded<AuditEntry>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly List<AuditEntry> _unsent = [];
    private readonly SemaphoreSlim _sending = new(1, 1); // the loop and a shutdown or test flush never send the same rows
    private readonly AuthServiceClient _authService;
    private readonly ILogger<AuditForwarder> _logger;
    private readonly Counter<long> _droppedCounter;
    private long _dropped;

    public AuditForwarder(AuthServiceClient authService, IMeterFactory meters, ILogger<AuditForwarder> logger)
    {
        _authService = authService;
        _logger = logger;
        _droppedCounter = meters.Create("Mnemosyne.Mcp").CreateCounter<long>("mcp.audit.dropped",
            description: "Audit entries dropped because the queue was full.");
    }

    public void Record(AuditEntry entry)
    {
        if (!_queue.Writer.TryWrite(entry))
        {
            Interlocked.Increment(ref _dropped);
            _droppedCounter.Add(1);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var untraced = SuppressInstrumentationScope.Begin();
        while (await _queue.Reader.WaitToReadAsync(stoppingToken))
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
    public async Task<bool> SendQueuedAsync(CancellationToken cancellationToken)
    {
        await _sending.WaitAsync(cancellationToken);
        try
        {
            return await SendLockedAsync(cancellationToken);
        }
        finally
        {
            _sending.Release();
        }
    }

    public override void Dispose()
    {
        _sending.Dispose();
        base.Dispose();
    }

    private async Task<bool> SendLockedAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _dropped, 0) is > 0 and var dropped)
        {
            LogDropped(_logger, dropped);
        }

        while (true)
        {
            while (_unsent.Count < BatchSize && _queue.Reader.TryRead(out var entry))
            {
                _unsent.Add(entry);
            }

            if (_unsent.Count == 0)
            {
                return true;
            }

            if (!await _authService.PostInternalAsync("/v1/audit", _unsent, cancellationToken))
            {
                LogSendFailed(_logger, _unsent.Count);
                return false;
            }

            _unsent.Clear();
        }
    }

    [LoggerMessage(LogLevel.Warning, "audit.dropped {Count} entries: the audit queue was full")]
    private static partial void LogDropped(ILogger logger, long count);

    [LoggerMessage(LogLevel.Warning, "audit.send_failed {Count} entries kept for the next try")]
    private static partial void LogSendFailed(ILogger logger, int count);
}
