using System.Collections.Concurrent;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// Opaque-token calls answered from the <see cref="DecisionCache"/> never reach auth-service, so their usage (count,
/// last use) is added up here and sent to auth-service's <c>POST /v1/usage</c> every few seconds and at shutdown,
/// by SHA-256 of the token (what auth-service stores). A failed send keeps its counts for the next one; a crash
/// loses at most one interval, as auth-service's own usage flush does.
/// </summary>
public sealed partial class CachedUsage(AuthServiceClient authService, ILogger<CachedUsage> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<BearerHash, TokenUsage> _pending = new();

    /// <summary>What <c>POST /v1/usage</c> takes: one row per token.</summary>
    public sealed record Report(string TokenHash, long Count, DateTimeOffset LastUsedAt);

    public void Record(BearerHash token, DateTimeOffset at) =>
        _pending.AddOrUpdate(token, static (_, at) => new TokenUsage(1, at), static (_, known, at) => known.Add(new TokenUsage(1, at)), at);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var batch = new List<(BearerHash Token, TokenUsage Usage)>();
        foreach (var token in _pending.Keys)
        {
            if (_pending.TryRemove(token, out var usage))
            {
                batch.Add((token, usage));
            }
        }

        if (batch.Count == 0)
        {
            return;
        }

        var reports = batch.Select(b => new Report(b.Token.ToHex(), b.Usage.Count, b.Usage.LastUsedAt)).ToList();
        // Kept only when worth sending again: rows auth-service refused as invalid would block every later flush.
        if (await authService.PostInternalAsync("/v1/usage", reports, cancellationToken) == AuthServiceClient.Delivery.Retry)
        {
            foreach (var (token, usage) in batch)
            {
                _pending.AddOrUpdate(token, usage, (_, known) => known.Add(usage));
            }

            LogSendFailed(logger, batch.Count);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await FlushAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    [LoggerMessage(LogLevel.Warning, "cached_usage.send_failed {TokenCount} tokens kept for the next send")]
    private static partial void LogSendFailed(ILogger logger, int tokenCount);
}
