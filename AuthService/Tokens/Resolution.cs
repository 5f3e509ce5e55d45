namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Who a bearer is, which libraries it may read and how many tool calls a minute it may make (0 = unlimited).
/// <c>Principal</c> never contains the token.
/// </summary>
public sealed record Resolution(
    string Kind,
    string Principal,
    string User,
    IReadOnlyList<string> Libraries,
    IReadOnlyList<string>? Tools,
    DateTimeOffset? ExpiresAt,
    int RateLimitPerMinute);
