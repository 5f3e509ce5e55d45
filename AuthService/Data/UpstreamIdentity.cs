namespace Mnemosyne.AuthService.Data;

/// <summary>
/// An account at an upstream identity provider, joined to the local Mnemosyne user it signs in as (CONTRACT §10). Keyed
/// by what the provider guarantees never to reassign — its issuer and the account's <c>sub</c> — never by an email
/// address or a user name, which the user or the provider's administrators can change (and some providers do not
/// verify): two accounts that share a name are two users, and an account whose name changes stays the same user.
/// Made at the account's first sign-in (<see cref="AuthorizationServer.UpstreamUsers"/>).
/// </summary>
public sealed class UpstreamIdentity
{
    /// <summary>The provider's issuer, exactly as configured and validated (<c>UpstreamProvider.IssuerUri()</c>).</summary>
    public required string Issuer { get; set; }

    /// <summary>The account's <c>sub</c> at that issuer.</summary>
    public required string Subject { get; set; }

    public Guid UserId { get; set; }
    public User? User { get; set; }

    /// <summary>The provider's groups or roles for this account at its latest sign-in; they go into its access tokens.</summary>
    public List<string> Groups { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset LastSignInAt { get; set; }
}
