namespace Mnemosyne.AuthService.Data;

/// <summary>An HS256 key chosen by <c>kid</c>. The secret is stored encrypted (<see cref="SecretProtector"/>).</summary>
public sealed class SigningKey
{
    public required string Kid { get; set; }

    /// <summary>Creation order, assigned by the database; the newest active key signs new tokens.</summary>
    public long Sequence { get; set; }

    public required byte[] EncryptedSecret { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RetiredAt { get; set; }
}
