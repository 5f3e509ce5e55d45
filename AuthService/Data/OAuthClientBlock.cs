namespace Mnemosyne.AuthService.Data;

/// <summary>
/// An OAuth client an operator has blocked (CONTRACT §10): while the row exists the authorization server refuses the
/// client at its authorization and token endpoints and no access token issued to it resolves. A row of its own, not
/// a property of OpenIddict's application: the resolve path tests it with one indexed lookup, and a CIMD client that
/// has not signed in since a restart (or whose document is refetched) stays blocked.
/// </summary>
public sealed class OAuthClientBlock
{
    /// <summary>The client's <c>client_id</c>: <c>dcr_…</c> or a client ID metadata document's https URL.</summary>
    public required string ClientId { get; set; }

    public DateTimeOffset BlockedAt { get; set; }
}
