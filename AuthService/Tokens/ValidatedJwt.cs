namespace Mnemosyne.AuthService.Tokens;

/// <summary>A JWT whose signature, lifetime and claim shapes have been checked.</summary>
public sealed record ValidatedJwt(
    bool IsTeam,
    string Subject,
    string Jti,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Libraries,
    Guid TeamId);
