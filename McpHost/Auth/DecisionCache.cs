using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;
using Mnemosyne.McpHost.Telemetry;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.ServiceDefaults.RateLimits;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// What auth-service resolved, kept in memory by SHA-256 of the bearer so a repeated call costs no round trip.
/// An entry is used only while this replica trusts its cache (<see cref="InvalidationListener"/>: it has heard of
/// every revoking change announced so far), only under the generation it was stored in, and never past the token's
/// own expiry (so a turn JWT presented after it reaches auth-service's replay check) nor, for team and OAuth tokens,
/// past <see cref="McpOptions.LibraryScopeCacheSeconds"/>. A tool outside the cached allow-list goes to auth-service,
/// which refuses and counts it. Refusals are never cached. A tool call answered here spends one call of the
/// principal's budget (<see cref="PrincipalBudgets"/>, CONTRACT §7), as auth-service does for the calls it answers.
/// Without Redis there is no cache: every call is resolved.
/// </summary>
public sealed class DecisionCache
{
    private readonly AuthServiceClient _authService;
    private readonly AuthFailureCounter _failures;
    private readonly PrincipalBudgets? _budgets;
    private readonly InvalidationListener? _invalidations;
    private readonly CachedUsage _usage;
    private readonly TimeProvider _time;
    private readonly int _capacity;
    private readonly TimeSpan _libraryScopeLifetime;
    private readonly ConcurrentDictionary<BearerHash, Entry> _entries = new();
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _invalidated;

    public DecisionCache(
        AuthServiceClient authService, CachedUsage usage, AuthFailureCounter failures, IOptions<McpOptions> options,
        TimeProvider time, IMeterFactory meters, InvalidationListener? invalidations = null, PrincipalBudgets? budgets = null)
    {
        _failures = failures;
        _budgets = budgets;
        _authService = authService;
        _usage = usage;
        _time = time;
        _invalidations = invalidations;
        _capacity = invalidations is null ? 0 : options.Value.DecisionCacheEntries;
        _libraryScopeLifetime = TimeSpan.FromSeconds(options.Value.LibraryScopeCacheSeconds);
        var meter = meters.Create(McpTelemetry.Name);
        _hits = meter.CreateCounter<long>("mcp.auth.cache.hits", description: "Tool calls decided from the decision cache.");
        _misses = meter.CreateCounter<long>("mcp.auth.cache.misses", description: "Tool calls sent to auth-service.");
        _invalidated = meter.CreateCounter<long>("mcp.auth.cache.invalidations", description: "Times a revoking change emptied the cache.");
        if (invalidations is not null)
        {
            invalidations.Advanced += _ =>
            {
                _entries.Clear();
                _invalidated.Add(1);
            };
        }
    }

    private sealed record Entry(AuthServiceClient.Resolution Resolution, long Generation, DateTimeOffset Until);

    public int Count => _entries.Count;

    /// <summary>The decision for <paramref name="bearer"/> calling <paramref name="tool"/>: cached when it may be, else auth-service's.</summary>
    public async Task<AuthServiceClient.Outcome> ResolveAsync(string? bearer, string? tool, CancellationToken cancellationToken)
    {
        if (bearer is null || _capacity == 0)
        {
            return await _authService.ResolveAsync(bearer, tool, cancellationToken);
        }

        var key = BearerHash.Of(bearer);
        if (TryGet(key, tool) is { } cached)
        {
            _hits.Add(1);
            if (tool is not null && _budgets is not null)
            {
                var budget = await _budgets.TakeAsync(
                    PrincipalBudgets.KeyOf(cached.Kind, cached.Principal, key.ToHex), cached.RateLimitPerMinute, cancellationToken);
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
        var generation = _invalidations!.Generation;
        var trusted = _invalidations.IsTrusted;
        var outcome = await _authService.ResolveAsync(bearer, tool, cancellationToken);
        if (trusted && outcome.Allowed is { } resolution)
        {
            Store(key, resolution, generation);
        }

        return outcome;
    }

    private AuthServiceClient.Resolution? TryGet(BearerHash key, string? tool)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Generation != _invalidations!.Generation || _time.GetUtcNow() >= entry.Until)
        {
            _entries.TryRemove(new KeyValuePair<BearerHash, Entry>(key, entry));
            return null;
        }

        var tools = entry.Resolution.Tools;
        return _invalidations.IsTrusted && (tool is null || tools is null || tools.Contains(tool, StringComparer.Ordinal))
            ? entry.Resolution
            : null;
    }

    /// <summary>Keeps a decision made under <paramref name="generation"/> unless a change has been heard of since.</summary>
    private void Store(BearerHash key, AuthServiceClient.Resolution resolution, long generation)
    {
        var now = _time.GetUtcNow();
        var until = resolution.ExpiresAt ?? DateTimeOffset.MaxValue;
        if (resolution.Kind is "team" or "oauth" && now + _libraryScopeLifetime < until)
        {
            until = now + _libraryScopeLifetime;
        }

        if (until <= now || (_entries.Count >= _capacity && !MadeRoom(now)))
        {
            return;
        }

        _entries[key] = new Entry(resolution, generation, until);
        if (_invalidations!.Generation != generation)
        {
            // A change arrived while auth-service was answering: this decision may predate it.
            _entries.TryRemove(key, out _);
        }
    }

    private bool MadeRoom(DateTimeOffset now)
    {
        var generation = _invalidations!.Generation;
        foreach (var (key, entry) in _entries)
        {
            if (entry.Generation != generation || now >= entry.Until)
            {
                _entries.TryRemove(key, out _);
            }
        }

        return _entries.Count < _capacity;
    }
}
