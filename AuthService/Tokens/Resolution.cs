using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.ServiceDefaults.RateLimits;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Who a bearer is, which libraries it may read and how many tool calls a minute it may make (0 = unlimited).
/// <c>Principal</c> never contains the token. <c>DependsOn</c>: what it was resolved from (<see cref="Dependency"/>
/// names), so a revoking change drops a cached copy only when it reaches one of them.
/// </summary>
public sealed record Resolution(
    string Kind,
    string Principal,
    string User,
    IReadOnlyList<string> Libraries,
    IReadOnlyList<string>? Tools,
    DateTimeOffset? ExpiresAt,
    int RateLimitPerMinute,
    IReadOnlyList<string> DependsOn)
{
    /// <summary>An opaque token's id, whose use is counted on every call (<see cref="TokenUsageRecorder"/>).</summary>
    public Guid? OpaqueTokenId { get; init; }

    // The headers /v1/resolve sends beside the body, made once: a kept resolution answers many calls. Made when the
    // record is constructed, so a `with` copy would carry them unchanged: build a new Resolution instead of copying
    // one with another RateLimitPerMinute or DependsOn (nothing copies one today).

    /// <summary><c>RateLimit-Policy</c>; null when unlimited.</summary>
    public string? PolicyHeader { get; } = RateLimitPerMinute > 0 ? PrincipalBudgets.Policy(RateLimitPerMinute) : null;

    /// <summary><c>DependsOn</c> as its header carries it; null when too long to send (then it depends on everything).</summary>
    public string? DependsOnHeader { get; } = Dependency.ToHeader(DependsOn);
}
