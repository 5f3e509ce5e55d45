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
/// the first cached call does not wait for Redis. Without Redis there is no cache: every call is resolved.
/// </summary>
public sealed class DecisionCache
{
    private readonly AuthServiceClient _authService;
    private readonly AuthFailureCounter _failures;
    private readonly PrincipalBudgets? _budgets;
    private readonly CachedUsage _usage;
    private readonly TimeProvider _time;
    private readonly TimeSpan _libraryScopeLifetime;
    private readonly InvalidatedCache<BearerHash, Entry>? _cache;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;

    public DecisionCache(
        AuthServiceClient authService, CachedUsage usage, AuthFailureCounter failures, IOptions<McpOptions> options,
        TimeProvider time, IMeterFactory meters, InvalidationListener? invalidations = null, PrincipalBudgets? budgets = null)
    {
        _failures = failures;
        _budgets = budgets;
        _authService = authService;
        _usage = usage;
        _time = time;
        _libraryScopeLifetime = TimeSpan.FromSeconds(options.Value.LibraryScopeCacheSeconds);
        var meter = meters.Create(McpTelemetry.Name);
        _hits = meter.CreateCounter<long>("mcp.auth.cache.hits", description: "Tool calls decided from the decision cache.");
        _misses = meter.CreateCounter<long>("mcp.auth.cache.misses", description: "Tool calls sent to auth-service.");
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

    /// <summary>A decision, and whose budget its calls spend (made once, not on every hit).</summary>
    private sealed record Entry(AuthServiceClient.Resolution Resolution, string BudgetKey);

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

            if (cached.Kind == "opaque")
            {
                _usage.Record(key, _time.GetUtcNow());
            }

            return new AuthServiceClient.Outcome(cached, 200, "", "");
        }

        _misses.Add(1);
        var ticket = _cache.Begin();
        var outcome = await _authService.ResolveAsync(bearer, tool, cancellationToken);
        // Kept only when auth-service had applied every change this replica had heard of: its own caches may lag.
        if (outcome.Allowed is { } resolution && resolution.Applied >= ticket.Generation)
        {
            var budgetKey = PrincipalBudgets.KeyOf(resolution.Kind, resolution.Principal, key.ToHex);
            var until = DecisionLifetime.Until(resolution.Kind, resolution.ExpiresAt, _time.GetUtcNow(), _libraryScopeLifetime);
            _cache.Store(ticket, key, new Entry(resolution, budgetKey), until, resolution.DependsOn);
            if (tool is not null)
            {
                // auth-service spent this call; the next one comes from the cache and spends here.
                _budgets?.Prepare(budgetKey, resolution.RateLimitPerMinute);
            }
        }

        return outcome;
    }

    private static bool Allows(AuthServiceClient.Resolution resolution, string? tool) =>
        tool is null || resolution.Tools is not { } tools || tools.Contains(tool, StringComparer.Ordinal);
}
