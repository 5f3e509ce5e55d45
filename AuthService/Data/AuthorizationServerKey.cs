namespace Mnemosyne.AuthService.Data;

/// <summary>
/// One of the authorization server's own keys (<c>signing</c>: the ES256 key access tokens are signed with;
/// <c>encryption</c>: the AES key authorization codes are encrypted with), made at first start and shared by every
/// replica. The key material is stored encrypted (<see cref="SecretProtector"/>, bound to <see cref="Kid"/>).
/// </summary>
public sealed class AuthorizationServerKey
{
    public const string Signing = "signing";
    public const string Encryption = "encryption";

    /// <summary><see cref="Signing"/> or <see cref="Encryption"/>: one row each.</summary>
    public required string Use { get; set; }

    public required string Kid { get; set; }

    /// <summary>PKCS #8 for the signing key, the raw 256-bit key for encryption; encrypted at rest.</summary>
    public required byte[] EncryptedKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
