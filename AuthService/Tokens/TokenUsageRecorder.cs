using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Aggregates opaque-token usage in memory and writes it to Postgres every <see cref="AuthOptions.UsageFlushSeconds"/>
/// and at shutdown, in one statement; a resolution never writes. A failed flush keeps its counts for the next one.
/// A crash loses at most one interval of usage counts.
/// </summary>
public sealed partial class TokenUsageRecorder(
    IServiceScopeFactory scopes,
    StartupStep<AuthDbMigration> migration,
    IOptions<AuthOptions> options,
    ILogger<TokenUsageRecorder> logger) : BackgroundService
{
    private readonly UsageTally<Guid> _pending = new();

    public void Record(Guid tokenId, DateTimeOffset at) => _pending.Record(tokenId, new TokenUsage(1, at));

    /// <summary>Calls counted elsewhere (mcp-host's decision cache), added to this token's usage.</summary>
    public void Record(Guid tokenId, TokenUsage usage) => _pending.Record(tokenId, usage);

    /// <summary>Usage recorded here and not yet written, for answers that must include it.</summary>
    public TokenUsage? Pending(Guid tokenId) => _pending.Pending(tokenId);

    public Task FlushAsync(CancellationToken cancellationToken) => _pending.FlushAsync(WriteAsync, cancellationToken);

    private async Task<bool> WriteAsync(IReadOnlyList<(Guid Id, TokenUsage Usage)> batch, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
            var ids = batch.Select(b => b.Id).ToArray();
            var counts = batch.Select(b => b.Usage.Count).ToArray();
            var times = batch.Select(b => b.Usage.LastUsedAt).ToArray();
            // A periodic background write: traced, it would add a lone postgresql trace after every burst of calls.
            await Untraced.RunAsync(() => db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                UPDATE "OpaqueTokens" AS t
                SET "UseCount" = t."UseCount" + u.n,
                    "LastUsedAt" = GREATEST(t."LastUsedAt", u.at)
                FROM unnest({ids}, {counts}, {times}) AS u(id, n, at)
                WHERE t."Id" = u.id
                """,
                cancellationToken));
            return true;
        }
        catch (Exception exception)
        {
            LogFlushFailed(logger, exception, batch.Count);
            return false;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await migration.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.UsageFlushSeconds));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await FlushAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (migration.IsDone)
        {
            await FlushAsync(cancellationToken);
        }
    }

    [LoggerMessage(LogLevel.Warning, "token_usage.flush_failed {TokenCount} tokens kept for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception, int tokenCount);
}
