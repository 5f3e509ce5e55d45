using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;
using Mnemosyne.McpHost.Telemetry;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.ServiceDefaults.RateLimits;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// What auth-service resolved, kept in memory by SHA-256 of the bearer so a repeated call costs no round trip
/// (<see cref="InvalidatedCache{TKey,TValue}"/>: used only while this replica has heard of every revoking change, and
/// dropped by a change that reaches what it was resolved from, <see cref="AuthServiceClient.Resolution.DependsOn"/>;
/// kept only when auth-service, which answers from caches of its own, had applied every change this replica had heard
/// of, <see cref="AuthServiceClient.Resolution.Applied"/>).
/// Never past the token's own expiry (so a turn JWT presented after it reaches auth-service's replay check) nor, for
/// team and OAuth tokens, past <see cref="McpOptions.LibraryScopeCacheSeconds"/>. A tool outside the cached allow-list
/// goes to auth-service, which refuses and counts it. Refusals are never cached. A tool call answered here spends one
/// call of the principal's budget (<see cref="PrincipalBudgets"/>, CONTRACT §7), as auth-service does for the calls it
/// answers; keeping a decision auth-service just spent for, it takes its own slice of the budget in the background, so
/// the first cached call does not wait for Redis. A team or OAuth decision called in the last third of its scope's
/// lifetime is resolved again in the background (<see cref="DecisionLifetime.RenewFrom"/>), so a principal called
/// steadily does not wait for a full resolution every <see cref="McpOptions.LibraryScopeCacheSeconds"/>: a few at a
/// time (<see cref="RenewalsAtOnce"/>), so that a cache full of decisions made together does not send them all to
/// auth-service at once; one that cannot be renewed runs out as it would have. Without Redis there is no cache: every
/// call is resolved.
/// </summary>
public sealed partial class DecisionCache
{
    /// <summary>
    /// Background renewals under way at most, per replica. Without a bound, 1,200 team and OAuth decisions made in the
    /// same second were renewed in the same second, and the calls beside them waited (bench churn: 16 clients' p99
    /// +18 ms, docs/benchmark.md).
    /// </summary>
    private const int RenewalsAtOnce = 4;

    private readonly AuthServiceClient _authService;
    private readonly AuthFailureCounter _failures;
    private readonly PrincipalBudgets? _budgets;
    private readonly CachedUsage _usage;
    private readonly TimeProvider _time;
    private readonly TimeSpan _libraryScopeLifetime;
    private readonly InvalidatedCache<BearerHash, Entry>? _cache;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _renewals;
    private readonly ILogger<DecisionCache> _logger;
    private int _renewing;

    public DecisionCache(
        AuthServiceClient authService, CachedUsage usage, AuthFailureCounter failures, IOptions<McpOptions> options,
        TimeProvider time, IMeterFactory meters, ILogger<DecisionCache> logger, InvalidationListener? invalidations = null,
        PrincipalBudgets? budgets = null)
    {
        _logger = logger;
        _failures = failures;
        _budgets = budgets;
        _authService = authService;
        _usage = usage;
        _time = time;
        _libraryScopeLifetime = TimeSpan.FromSeconds(options.Value.LibraryScopeCacheSeconds);
        var meter = meters.Create(McpTelemetry.Name);
        _hits = meter.CreateCounter<long>("mcp.auth.cache.hits", description: "Tool calls decided from the decision cache.");
        _misses = meter.CreateCounter<long>("mcp.auth.cache.misses", description: "Tool calls sent to auth-service.");
        _renewals = meter.CreateCounter<long>("mcp.auth.cache.renewals",
            description: "Team and OAuth decisions resolved again in the background before their scope ran out.");
        if (invalidations is not null && options.Value.DecisionCacheEntries > 0)
        {
            _cache = new(invalidations, options.Value.DecisionCacheEntries, time);
            var applied = meter.CreateCounter<long>("mcp.auth.cache.invalidations",
                description: "Revoking changes applied to the cache, by reach: everything, or the names it reached.");
            var dropped = meter.CreateCounter<long>("mcp.auth.cache.dropped", description: "Cached decisions a revoking change dropped.");
            _cache.Invalidated += (reach, count) =>
            {
                applied.Add(1, new KeyValuePair<string, object?>("reach", reach.IsEverything ? "everything" : "names"));
                dropped.Add(count);
            };
        }
    }

    /// <summary>
    /// A decision, whose budget its calls spend (made once, not on every hit), and from when it is renewed. A class:
    /// one entry is renewed once (<see cref="Claimed"/>), and a renewal's refusal drops this entry, not a newer one.
    /// </summary>
    private sealed class Entry(AuthServiceClient.Resolution resolution, string budgetKey, DateTimeOffset renewFrom)
    {
        public AuthServiceClient.Resolution Resolution { get; } = resolution;

        public string BudgetKey { get; } = budgetKey;

        public DateTimeOffset RenewFrom { get; } = renewFrom;

        /// <summary>1 once a renewal was started for it.</summary>
        public int Claimed;
    }

    public int Count => _cache?.Count ?? 0;

    /// <summary>The decision for <paramref name="bearer"/> calling <paramref name="tool"/>: cached when it may be, else auth-service's.</summary>
    public async Task<AuthServiceClient.Outcome> ResolveAsync(string? bearer, string? tool, CancellationToken cancellationToken)
    {
        if (bearer is null || _cache is null)
        {
            return await _authService.ResolveAsync(bearer, tool, cancellationToken);
        }

        var key = BearerHash.Of(bearer);
        if (_cache.TryGet(key, out var entry) && Allows(entry.Resolution, tool))
        {
            _hits.Add(1);
            var cached = entry.Resolution;
            if (tool is not null && _budgets is not null)
            {
                var budget = await _budgets.TakeAsync(entry.BudgetKey, cached.RateLimitPerMinute, cancellationToken);
                if (!budget.Allowed)
                {
                    _failures.Record("rate_limited");
                    return new AuthServiceClient.Outcome(null, StatusCodes.Status429TooManyRequests, "Rate limit exceeded.", "rate_limited",
                        budget.RetryAfter) { RefusedCaller = (cached.Kind, cached.Principal) };
                }
            }

            var now = _time.GetUtcNow();
            if (cached.Kind == "opaque")
            {
                _usage.Record(key, now);
            }

            if (now >= entry.RenewFrom && TryClaimRenewal(entry))
            {
                _ = RenewAsync(bearer, key, entry);
            }

            return new AuthServiceClient.Outcome(cached, 200, "", "");
        }

        _misses.Add(1);
        var ticket = _cache.Begin();
        var outcome = await _authService.ResolveAsync(bearer, tool, cancellationToken);
        if (Keep(ticket, key, outcome) is { } budgetKey && outcome.Allowed is { } resolution && tool is not null)
        {
            // auth-service spent this call; the next one comes from the cache and spends here.
            _budgets?.Prepare(budgetKey, resolution.RateLimitPerMinute);
        }

        return outcome;
    }

    /// <summary>
    /// Keeps what auth-service allowed, when it had applied every change this replica had heard of by
    /// <paramref name="ticket"/> (its own caches may lag); the budget key it was kept under, or null.
    /// </summary>
    private string? Keep(InvalidatedCache<BearerHash, Entry>.Ticket ticket, BearerHash key, AuthServiceClient.Outcome outcome)
    {
        if (outcome.Allowed is not { } resolution || resolution.Applied < ticket.Generation)
        {
            return null;
        }

        var budgetKey = PrincipalBudgets.KeyOf(resolution.Kind, resolution.Principal, key.ToHex);
        var now = _time.GetUtcNow();
        var until = DecisionLifetime.Until(resolution.Kind, resolution.ExpiresAt, now, _libraryScopeLifetime);
        var renewFrom = DecisionLifetime.RenewFrom(resolution.Kind, resolution.ExpiresAt, now, _libraryScopeLifetime);
        _cache!.Store(ticket, key, new Entry(resolution, budgetKey, renewFrom), until, resolution.DependsOn);
        return budgetKey;
    }

    /// <summary>Whether this hit starts <paramref name="entry"/>'s renewal: its first, while fewer than <see cref="RenewalsAtOnce"/> run.</summary>
    private bool TryClaimRenewal(Entry entry)
    {
        if (Volatile.Read(ref entry.Claimed) != 0)
        {
            return false;
        }

        if (Interlocked.Increment(ref _renewing) <= RenewalsAtOnce && Interlocked.Exchange(ref entry.Claimed, 1) == 0)
        {
            return true;
        }

        Interlocked.Decrement(ref _renewing);
        return false;
    }

    /// <summary>
    /// Resolves <paramref name="entry"/>'s bearer again, as no tool (no budget spent, no call counted), and keeps the
    /// answer as a miss's would be kept. A refusal (the token or its scope is gone) drops the entry at once; an
    /// unavailable auth-service leaves it to run out.
    /// </summary>
    private async Task RenewAsync(string bearer, BearerHash key, Entry entry)
    {
        try
        {
            // The call that started it goes on at once; the renewal runs on the thread pool.
            await Task.Yield();
            var ticket = _cache!.Begin();
            var outcome = await _authService.ResolveAsync(bearer, null, CancellationToken.None);
            _renewals.Add(1);
            if (outcome.Status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden)
            {
                _cache.Remove(key, entry);
            }
            else if (Keep(ticket, key, outcome) is null && outcome.Allowed is null)
            {
                LogRenewalFailed(_logger, entry.Resolution.Kind, outcome.Status);
            }
        }
        catch (Exception exception)
        {
            LogRenewalError(_logger, entry.Resolution.Kind, exception);
        }
        finally
        {
            Interlocked.Decrement(ref _renewing);
        }
    }

    private static bool Allows(AuthServiceClient.Resolution resolution, string? tool) =>
        tool is null || resolution.Tools is not { } tools || tools.Contains(tool, StringComparer.Ordinal);

    [LoggerMessage(LogLevel.Warning, "decision_cache.renewal_failed {Kind} {Status}: the decision runs out as it would have")]
    private static partial void LogRenewalFailed(ILogger logger, string kind, int status);

    [LoggerMessage(LogLevel.Warning, "decision_cache.renewal_error {Kind}: the decision runs out as it would have")]
    private static partial void LogRenewalError(ILogger logger, string kind, Exception exception);
}
