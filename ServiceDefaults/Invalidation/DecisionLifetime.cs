namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// How long a kept decision holds, in both services' caches: until its token expires, and a team or OAuth decision —
/// whose libraries come from the library store, which writers behind the admin APIs' back can change — no longer than
/// the scope's lifetime. A replica that keeps such a decision may resolve it again in the background once it is in the
/// last third of that lifetime (<see cref="RenewFrom"/>), so a principal called steadily never finds it gone.
/// </summary>
public static class DecisionLifetime
{
    public static DateTimeOffset Until(string kind, DateTimeOffset? expiresAt, DateTimeOffset now, TimeSpan scopeLifetime) =>
        ScopeEnds(kind, expiresAt, now, scopeLifetime) ?? expiresAt ?? DateTimeOffset.MaxValue;

    /// <summary>
    /// When a kept decision is worth resolving again ahead of its end: the last third of a team or OAuth scope's
    /// lifetime; never for a decision that ends with its token (resolving it again would not make it last longer).
    /// </summary>
    public static DateTimeOffset RenewFrom(string kind, DateTimeOffset? expiresAt, DateTimeOffset now, TimeSpan scopeLifetime) =>
        ScopeEnds(kind, expiresAt, now, scopeLifetime) - scopeLifetime / 3 ?? DateTimeOffset.MaxValue;

    /// <summary>The scope's end, when it comes before the token's.</summary>
    private static DateTimeOffset? ScopeEnds(string kind, DateTimeOffset? expiresAt, DateTimeOffset now, TimeSpan scopeLifetime)
    {
        var scopeEnds = now + scopeLifetime;
        return kind is "team" or "oauth" && scopeEnds < (expiresAt ?? DateTimeOffset.MaxValue) ? scopeEnds : null;
    }
}
