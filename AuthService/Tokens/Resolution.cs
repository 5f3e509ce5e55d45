namespace Mnemosyne.AuthService.Tokens;

/// <summary>Who a bearer is and which libraries it may read. <c>Principal</c> never contains the token.</summary>
public sealed record Resolution(
    string Kind,
    string Principal,
    string User,
    IReadOnlyList<string> Libraries,
    IReadOnlyList<string>? Tools,
    DateTimeOffset? ExpiresAt);
