using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.IdentityModel.Tokens;
using Mnemosyne.AuthService.Data;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// The authorization server's signing and encryption keys, loaded once from authdb by <see cref="AuthorizationServerKeyStep"/>.
/// OpenIddict reads them when it first builds its options, which <see cref="AuthorizationServerSetup"/> lets happen only
/// after the step has run. Hand-written because OpenIddict's own key helpers either make a new key per process
/// (ephemeral keys: every replica would sign with a different key) or read certificates from a store we do not have.
/// </summary>
public sealed class AuthorizationServerKeys
{
    private readonly TaskCompletionSource<(SecurityKey Signing, SecurityKey Encryption)> _keys =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsLoaded => _keys.Task.IsCompletedSuccessfully;

    public SecurityKey Signing => Loaded.Signing;

    public SecurityKey Encryption => Loaded.Encryption;

    private (SecurityKey Signing, SecurityKey Encryption) Loaded => IsLoaded
        ? _keys.Task.Result
        : throw new InvalidOperationException("The authorization server's keys are not loaded yet.");

    internal void Set(SecurityKey signing, SecurityKey encryption) => _keys.TrySetResult((signing, encryption));
}

/// <summary>
/// The start-up step that makes the authorization server's keys at first start (an EC P-256 key for ES256 and a
/// 256-bit AES key) and loads them into <see cref="AuthorizationServerKeys"/>. Several replicas starting at once
/// insert with ON CONFLICT DO NOTHING and then all read the row that won, so every replica signs with the same key.
/// A stored key that does not decrypt (another encryption key) stops the service rather than being replaced: a
/// replaced key would silently invalidate every outstanding code and token.
/// </summary>
public sealed partial class AuthorizationServerKeyStep(
    AuthDbContext db, SecretProtector protector, AuthorizationServerKeys keys, StartupStep<AuthDbMigration> migration,
    TimeProvider time, ILogger<AuthorizationServerKeyStep> logger) : IStartupStep
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await migration.WaitAsync(cancellationToken);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await InsertIfMissingAsync(AuthorizationServerKey.Signing, ec.ExportPkcs8PrivateKey(), cancellationToken);
        await InsertIfMissingAsync(AuthorizationServerKey.Encryption, RandomNumberGenerator.GetBytes(32), cancellationToken);

        var rows = await db.Set<AuthorizationServerKey>().AsNoTracking().ToDictionaryAsync(k => k.Use, cancellationToken);
        var signing = ECDsa.Create();
        signing.ImportPkcs8PrivateKey(Decrypt(rows[AuthorizationServerKey.Signing]), out _);
        keys.Set(
            new ECDsaSecurityKey(signing) { KeyId = rows[AuthorizationServerKey.Signing].Kid },
            new SymmetricSecurityKey(Decrypt(rows[AuthorizationServerKey.Encryption])) { KeyId = rows[AuthorizationServerKey.Encryption].Kid });
    }

    private async Task InsertIfMissingAsync(string use, byte[] key, CancellationToken cancellationToken)
    {
        var kid = $"as-{use[..3]}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
        var created = await db.Database.ExecuteSqlInterpolatedAsync(
            $"""
            INSERT INTO "AuthorizationServerKeys" ("Use", "Kid", "EncryptedKey", "CreatedAt")
            VALUES ({use}, {kid}, {protector.Protect(kid, key)}, {time.GetUtcNow()})
            ON CONFLICT ("Use") DO NOTHING
            """,
            cancellationToken);
        CryptographicOperations.ZeroMemory(key);
        if (created > 0)
        {
            LogKeyCreated(logger, use, kid);
        }
    }

    private byte[] Decrypt(AuthorizationServerKey row) =>
        protector.Unprotect(row.Kid, row.EncryptedKey) ?? throw new KeyUndecryptableException(row.Use, row.Kid);

    [LoggerMessage(LogLevel.Information, "authorization_server.key_created {Use} {Kid}")]
    private static partial void LogKeyCreated(ILogger logger, string use, string kid);

    private sealed class KeyUndecryptableException(string use, string kid) : Exception(
        $"The authorization server's {use} key '{kid}' in authdb does not decrypt with this service's encryption key " +
        "(Auth:EncryptionKey, else Auth:InternalKey): every replica must use the same one."), IUnrecoverableError;
}
