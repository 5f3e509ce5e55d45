using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Data;

/// <summary>
/// Encrypts signing-key secrets at rest with AES-256-GCM. The row's kid is bound in as associated data, so a
/// ciphertext copied onto another row does not decrypt. Layout: version (1) | nonce (12) | tag (16) | ciphertext.
/// </summary>
public sealed class SecretProtector
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static readonly byte[] KeyInfo = "mnemosyne/signing-key-secrets/v1"u8.ToArray();
    private readonly byte[] _key;

    public SecretProtector(IOptions<AuthOptions> options, IOptions<SharedKeys> keys)
    {
        var source = options.Value.EncryptionKey ?? keys.Value.InternalKey;
        _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(source), 32, salt: [], info: KeyInfo);
    }

    public byte[] Protect(string kid, ReadOnlySpan<byte> secret)
    {
        var output = new byte[1 + NonceSize + TagSize + secret.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, secret, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize),
            Encoding.UTF8.GetBytes(kid));
        return output;
    }

    /// <summary>Returns null when the ciphertext was made with another key or altered (never a wrong secret).</summary>
    public byte[]? Unprotect(string kid, byte[] protectedSecret)
    {
        if (protectedSecret.Length <= 1 + NonceSize + TagSize || protectedSecret[0] != Version)
        {
            return null;
        }

        var secret = new byte[protectedSecret.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        try
        {
            aes.Decrypt(protectedSecret.AsSpan(1, NonceSize), protectedSecret.AsSpan(1 + NonceSize + TagSize),
                protectedSecret.AsSpan(1 + NonceSize, TagSize), secret, Encoding.UTF8.GetBytes(kid));
            return secret;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
