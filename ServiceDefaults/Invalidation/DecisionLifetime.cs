namespace Mnemosyne.ServiceDefaults.Invalidation;

/// <summary>
/// How long a kept decision holds, in both services' caches: until its token expires, and a team or OAuth decision —
/// whose libraries come from the library store, which writers behind the admin APIs' back can change — no longer than
/// the scope's lifetime.
/// </summary>
public static class DecisionLifetime
{
    public static DateTimeOffset Until(string kind, DateTimeOffset? expiresAt, DateTimeOffset now, TimeSpan scopeLifetime)
    {
        var until = expiresAt ?? DateTimeOffset.MaxValue;
        var scopeEnds = now + scopeLifetime;
        return kind is "team" or "oauth" && scopeEnds < until ? scopeEnds : until;
    }
}
