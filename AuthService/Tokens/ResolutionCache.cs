using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.ServiceDefaults.RateLimits;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// What this replica resolved, by SHA-256 of the bearer, so a bearer it has seen costs no database or Redis round trip
/// the next time it is asked — by a second mcp-host, by one whose entry a change dropped, or by one without a cache.
/// The rules are mcp-host's decision cache's (<see cref="InvalidatedCache{TKey,TValue}"/>: dropped by a change that
/// reaches what the resolution depends on, never past the token's expiry, a team or OAuth scope at most
/// <see cref="AuthOptions.ScopeCacheSeconds"/>); a turn JWT kept until its expiry needs no second replay check, since a
/// jti may be presented again and again until then. Refusals are never kept; the tool allow-list and the budget are
/// applied on every call.
/// </summary>
public sealed class ResolutionCache
{
    private readonly TimeProvider _time;
    private readonly TimeSpan _scopeLifetime;
    private readonly InvalidatedCache<BearerHash, Kept> _cache;

    public ResolutionCache(InvalidationListener invalidations, IOptions<AuthOptions> options, TimeProvider time)
    {
        _time = time;
        _scopeLifetime = TimeSpan.FromSeconds(options.Value.ScopeCacheSeconds);
        _cache = new(invalidations, options.Value.ResolutionCacheEntries, time);
    }

    /// <summary>
    /// A resolution, and what the calls it answers need made once rather than on every call: whose budget they spend
    /// (<c>PrincipalBudgets.KeyOf</c>) and the headers <c>/v1/resolve</c> sends beside the body. A class, not a record:
    /// a <c>with</c> copy of a record would carry these values made from the original.
    /// </summary>
    public sealed class Kept(Resolution resolution, string budgetKey)
    {
        public Resolution Resolution { get; } = resolution;

        public string BudgetKey { get; } = budgetKey;

        /// <summary><c>RateLimit-Policy</c>; null when unlimited.</summary>
        public string? PolicyHeader { get; } =
            resolution.RateLimitPerMinute > 0 ? PrincipalBudgets.Policy(resolution.RateLimitPerMinute) : null;

        /// <summary><c>DependsOn</c> as its header carries it; null when too long to send (then it depends on everything).</summary>
        public string? DependsOnHeader { get; } = Dependency.ToHeader(resolution.DependsOn);
    }

    public bool TryGet(BearerHash key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Kept kept) =>
        _cache.TryGet(key, out kept);

    /// <summary>Take it before resolving; <see cref="Store"/> keeps the resolution only if no change came meanwhile.</summary>
    public InvalidatedCache<BearerHash, Kept>.Ticket Begin() => _cache.Begin();

    public void Store(InvalidatedCache<BearerHash, Kept>.Ticket ticket, BearerHash key, Kept kept)
    {
        var resolution = kept.Resolution;
        var until = DecisionLifetime.Until(resolution.Kind, resolution.ExpiresAt, _time.GetUtcNow(), _scopeLifetime);
        _cache.Store(ticket, key, kept, until, resolution.DependsOn);
    }
}
