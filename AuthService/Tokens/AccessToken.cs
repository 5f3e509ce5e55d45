namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// An OAuth access token whose signature, issuer, audience and lifetime have been checked. <see cref="ClientId"/>
/// (RFC 9068 <c>client_id</c>) and <see cref="TokenId"/> (OpenIddict's <c>oi_tkn_id</c>, the token's row in authdb)
/// are read when present: Mnemosyne's own authorization server puts both in every access token it issues.
/// </summary>
public sealed record AccessToken(
    string Subject,
    string IssuerHost,
    IReadOnlySet<string> Scopes,
    IReadOnlyList<string> Groups,
    DateTimeOffset ExpiresAt,
    string? ClientId,
    string? TokenId);
