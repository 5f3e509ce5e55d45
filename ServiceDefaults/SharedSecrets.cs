using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Mnemosyne.ServiceDefaults;

/// <summary>Shared-key checks and bearer parsing used by both services' key-protected endpoints.</summary>
public static class SharedSecrets
{
    /// <summary>
    /// Constant-time comparison against a key hashed with <see cref="Hash"/>: both sides are hashed first, so neither
    /// the content nor the length of the configured key leaks through timing.
    /// </summary>
    public static bool Matches(string? presented, byte[] expectedHash) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), expectedHash);

    public static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));

    /// <summary>The token of a single <c>Authorization: Bearer …</c> header, or null when there is none.</summary>
    public static string? BearerFrom(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value
            || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
