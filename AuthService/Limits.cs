namespace Mnemosyne.AuthService;

/// <summary>Bounds on everything a caller can send; checked by the endpoints and mirrored in the schema.</summary>
public static class Limits
{
    public const int NameLength = 150;
    public const int IdentifierLength = 200;
    public const int ToolNameLength = ServiceDefaults.Fields.MaxToolNameLength;
    /// <summary>
    /// Room for identity-provider access tokens: an Entra ID token carrying its maximum of 200 group ids runs to about
    /// 9 KB. Request headers stay capped at 16 KiB as a whole.
    /// </summary>
    public const int BearerLength = 12 * 1024;
    public const int JtiLength = 128;
    /// <summary>An OAuth <c>client_id</c>: room for a client ID metadata document's https URL.</summary>
    public const int ClientIdLength = 2048;
    /// <summary>An upstream identity provider's issuer URL.</summary>
    public const int IssuerLength = ServiceDefaults.UpstreamProvider.MaxIssuerLength;
    /// <summary>An upstream account's <c>sub</c>: OpenID Connect Core §2 allows at most 255 ASCII characters.</summary>
    public const int SubjectLength = 255;
    public const long RequestBodyBytes = 256 * 1024;
}
