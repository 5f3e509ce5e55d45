using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>The shape of opaque tokens: <c>mnm_</c> + 32 random bytes in base64url, stored only as SHA-256.</summary>
public static class OpaqueTokenFormat
{
    public const string Scheme = "mnm_";
    private const int RandomBytes = 32;
    private const int PrefixLength = 12;

    public static readonly int Length = Scheme.Length + Base64Url.GetEncodedLength(RandomBytes);

    public static string Generate() => Scheme + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(RandomBytes));

    public static bool HasShape(string bearer) =>
        bearer.Length == Length && bearer.StartsWith(Scheme, StringComparison.Ordinal);

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>What people see to tell tokens apart: <c>mnm_</c> and 8 characters (48 of 256 bits).</summary>
    public static string Prefix(string token) => token[..PrefixLength];

    public static string Masked(string prefix) => prefix + "…";
}
