using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// Checks the admin and internal keys in constant time: both sides are hashed first, so neither the content
/// nor the length of the configured key leaks through timing.
/// </summary>
public sealed class SharedKeys(IOptions<AuthOptions> options)
{
    private readonly byte[] _adminKeyHash = Hash(options.Value.AdminKey);
    private readonly byte[] _internalKeyHash = Hash(options.Value.InternalKey);

    public bool IsAdminKey(string? presented) => Matches(presented, _adminKeyHash);

    public bool IsInternalKey(string? presented) => Matches(presented, _internalKeyHash);

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, or null when there is none.</summary>
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

    private static bool Matches(string? presented, byte[] expectedHash) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), expectedHash);

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
