using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// The Data Protection keys behind the sign-in cookie and the antiforgery tokens of the sign-in and consent pages,
/// kept in authdb so that every auth-service replica reads what another wrote (a page served by one replica, its form
/// posted to another), and encrypted at rest with the service's encryption key like every other key in authdb.
/// ASP.NET Core's EF Core key store and key manager do the work; the XML encryptor is ours because the framework's
/// own need a certificate, DPAPI or a cloud key vault, none of which this service has.
/// </summary>
public static class SharedDataProtection
{
    public const string ApplicationName = "mnemosyne-auth-service";

    public static IServiceCollection AddSharedDataProtection(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName(ApplicationName).PersistKeysToDbContext<AuthDbContext>();
        services.AddOptions<KeyManagementOptions>()
            .Configure<SecretProtector>((options, protector) => options.XmlEncryptor = new KeyEncryptor(protector));

        return services;
    }

    /// <summary>
    /// Data Protection warms its key ring up as the host starts, reading authdb before the migration has made the
    /// table (EF Core logs each failure as an error); without the warm-up the first sign-in page reads it, and the
    /// authorization server serves no page before the migration has run (<see cref="AuthorizationServerSetup"/>).
    /// Called after everything that registers Data Protection (cookies, antiforgery, OpenIddict) has: each adds the
    /// warm-up again.
    /// </summary>
    public static IServiceCollection RemoveStartupWarmUp(this IServiceCollection services)
    {
        foreach (var warmUp in services.Where(d => d.ServiceType == typeof(IHostedService)
                     && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList())
        {
            services.Remove(warmUp);
        }

        return services;
    }

    /// <summary>Seals a key's XML with <see cref="SecretProtector"/> (AES-256-GCM), bound to this use.</summary>
    public sealed class KeyEncryptor(SecretProtector protector) : IXmlEncryptor
    {
        internal const string Use = "data-protection-key";

        public EncryptedXmlInfo Encrypt(XElement plaintextElement)
        {
            var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
            var sealedKey = protector.Protect(Use, plaintext);
            CryptographicOperations.ZeroMemory(plaintext);
            return new EncryptedXmlInfo(
                new XElement("sealedKey", new XComment(" AES-256-GCM with Auth:EncryptionKey, else Auth:InternalKey "),
                    new XElement("value", Convert.ToBase64String(sealedKey))),
                typeof(KeyDecryptor));
        }
    }

    /// <summary>Opens what <see cref="KeyEncryptor"/> sealed; Data Protection makes it by type, with the services.</summary>
    public sealed class KeyDecryptor(IServiceProvider services) : IXmlDecryptor
    {
        public XElement Decrypt(XElement encryptedElement)
        {
            var sealedKey = Convert.FromBase64String(encryptedElement.Element("value")?.Value ?? "");
            var plaintext = services.GetRequiredService<SecretProtector>().Unprotect(KeyEncryptor.Use, sealedKey)
                            ?? throw new CryptographicException(
                                "A Data Protection key in authdb does not decrypt with this service's encryption key " +
                                "(Auth:EncryptionKey, else Auth:InternalKey): every replica must use the same one.");
            return XElement.Parse(Encoding.UTF8.GetString(plaintext));
        }
    }
}
