using Mnemosyne.ServiceDefaults.Invalidation;

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
}
