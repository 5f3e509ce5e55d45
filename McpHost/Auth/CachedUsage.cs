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
    private readonly UsageTally<BearerHash> _pending = new();

    /// <summary>What <c>POST /v1/usage</c> takes: one row per token.</summary>
    public sealed record Report(string TokenHash, long Count, DateTimeOffset LastUsedAt);

    public void Record(BearerHash token, DateTimeOffset at) => _pending.Record(token, new TokenUsage(1, at));

    public Task FlushAsync(CancellationToken cancellationToken) => _pending.FlushAsync(SendAsync, cancellationToken);

    private async Task<bool> SendAsync(IReadOnlyList<(BearerHash Token, TokenUsage Usage)> batch, CancellationToken cancellationToken)
    {
        var reports = batch.Select(b => new Report(b.Token.ToHex(), b.Usage.Count, b.Usage.LastUsedAt)).ToList();
        // Kept only when worth sending again: rows auth-service refused as invalid would block every later flush.
        if (await authService.PostInternalAsync("/v1/usage", reports, cancellationToken) == AuthServiceClient.Delivery.Retry)
        {
            LogSendFailed(logger, batch.Count);
            return false;
        }

        return true;
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
