namespace Mnemosyne.AuthService.Tokens;

/// <summary>A JWT whose signature, lifetime and claim shapes have been checked.</summary>
public sealed record ValidatedJwt(
    bool IsTeam,
    string Subject,
    string Jti,
    DateTimeOffset ExpiresAt,
    IReadOnlyList<string> Libraries,
    Guid TeamId,
    string Kid)
{
    /// <summary>Who it is: a team token's subject (<c>team:&lt;uuid&gt;</c>), else <c>jwt:&lt;sub&gt;</c>.</summary>
    public Caller Caller => IsTeam ? new("team", Subject) : new("turn", "jwt:" + Subject);
}
