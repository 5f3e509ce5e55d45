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
/// every revoking change announced so far); a revoking change drops the entries that depend on what it reached
/// (<see cref="AuthServiceClient.Resolution.DependsOn"/>), and one whose reach is unknown drops them all. Never past the token's
/// own expiry (so a turn JWT presented after it reaches auth-service's replay check) nor, for team and OAuth tokens,
/// past <see cref="McpOptions.LibraryScopeCacheSeconds"/>. A tool outside the cached allow-list goes to auth-service,
/// which refuses and counts it. Refusals are never cached. A full cache drops what a change made stale or time ended,
/// else a tenth of its entries, as they come (a cheap stand-in for the least recently used). A tool call answered here spends one call of the
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
    private readonly Counter<long> _dropped;

    /// <summary>Entries stored under an older generation than this predate a change that reached everything.</summary>
    private long _floor;

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
        _invalidated = meter.CreateCounter<long>("mcp.auth.cache.invalidations",
            description: "Revoking changes applied to the cache (reach: everything, or the names it reached).");
        _dropped = meter.CreateCounter<long>("mcp.auth.cache.dropped", description: "Cached decisions a revoking change dropped.");
        if (invalidations is not null)
        {
            invalidations.Advanced += Invalidate;
        }
    }

    /// <summary>
    /// A decision, when it was stored, until when it holds; whose budget its calls spend and the answer to a hit are
    /// made once, not on every hit.
    /// </summary>
    private sealed record Entry(AuthServiceClient.Resolution Resolution, long Generation, DateTimeOffset Until, string BudgetKey)
    {
        public AuthServiceClient.Outcome Allowed { get; } = new(Resolution, 200, "", "");
    }

    /// <summary>
    /// Drops what a change reached. The listener has already moved its generation on, so a decision stored meanwhile
    /// is either seen here or removed by <see cref="Store"/> itself.
    /// </summary>
    private void Invalidate(InvalidationReach reach)
    {
        var before = _entries.Count;
        if (reach.IsEverything)
        {
            Volatile.Write(ref _floor, _invalidations!.Generation);
            _entries.Clear();
            _dropped.Add(before);
            _invalidated.Add(1, new KeyValuePair<string, object?>("reach", "everything"));
            return;
        }

        var dropped = 0;
        foreach (var (key, entry) in _entries)
        {
            if (reach.Affects(entry.Resolution.DependsOn) && _entries.TryRemove(new KeyValuePair<BearerHash, Entry>(key, entry)))
            {
                dropped++;
            }
        }

        _dropped.Add(dropped);
        _invalidated.Add(1, new KeyValuePair<string, object?>("reach", "names"));
    }

    public int Count => _entries.Count;

    /// <summary>The decision for <paramref name="bearer"/> calling <paramref name="tool"/>: cached when it may be, else auth-service's.</summary>
    public async Task<AuthServiceClient.Outcome> ResolveAsync(string? bearer, string? tool, CancellationToken cancellationToken)
    {
        if (bearer is null || _capacity == 0)
        {
            return await _authService.ResolveAsync(bearer, tool, cancellationToken);
        }

        var key = BearerHash.Of(bearer);
        if (TryGet(key, tool) is { } entry)
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

            return entry.Allowed;
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

    private Entry? TryGet(BearerHash key, string? tool)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }

        if (entry.Generation < Volatile.Read(ref _floor) || _time.GetUtcNow() >= entry.Until)
        {
            _entries.TryRemove(new KeyValuePair<BearerHash, Entry>(key, entry));
            return null;
        }

        var tools = entry.Resolution.Tools;
        return _invalidations!.IsTrusted && (tool is null || tools is null || tools.Contains(tool, StringComparer.Ordinal))
            ? entry
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

        _entries[key] = new Entry(resolution, generation, until, PrincipalBudgets.KeyOf(resolution.Kind, resolution.Principal, key.ToHex));
        if (_invalidations!.Generation != generation)
        {
            // A change arrived while auth-service was answering: this decision may predate it.
            _entries.TryRemove(key, out _);
        }
    }

    private bool MadeRoom(DateTimeOffset now)
    {
        var floor = Volatile.Read(ref _floor);
        foreach (var (key, entry) in _entries)
        {
            if (entry.Generation < floor || now >= entry.Until)
            {
                _entries.TryRemove(key, out _);
            }
        }

        var excess = _entries.Count - (_capacity - _capacity / 10);
        foreach (var (key, _) in _entries)
        {
            if (excess-- <= 0)
            {
                break;
            }

            _entries.TryRemove(key, out _);
        }

        return _entries.Count < _capacity;
    }
}
