namespace Mnemosyne.AuthService.Tokens;

/// <summary>An OAuth access token whose signature, issuer, audience and lifetime have been checked.</summary>
public sealed record AccessToken(
    string Subject,
    string IssuerHost,
    IReadOnlySet<string> Scopes,
    IReadOnlyList<string> Groups,
    DateTimeOffset ExpiresAt);
