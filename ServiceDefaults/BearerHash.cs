using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Mnemosyne.ServiceDefaults;

/// <summary>SHA-256 of a bearer: what the decision caches of both services key on (they never hold the bearer itself).</summary>
public readonly record struct BearerHash(ulong A, ulong B, ulong C, ulong D)
{
    public static BearerHash Of(string bearer)
    {
        Span<byte> utf8 = bearer.Length <= 1024 ? stackalloc byte[Encoding.UTF8.GetMaxByteCount(bearer.Length)] : new byte[Encoding.UTF8.GetMaxByteCount(bearer.Length)];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(bearer, utf8)], hash);
        return new BearerHash(
            BinaryPrimitives.ReadUInt64BigEndian(hash), BinaryPrimitives.ReadUInt64BigEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(hash[16..]), BinaryPrimitives.ReadUInt64BigEndian(hash[24..]));
    }

    /// <summary>Lower-case hex, as auth-service stores opaque tokens (SHA-256 of the token).</summary>
    public string ToHex() => string.Create(64, this, static (chars, hash) =>
    {
        Span<byte> bytes = stackalloc byte[32];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, hash.A);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], hash.B);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[16..], hash.C);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[24..], hash.D);
        Convert.TryToHexStringLower(bytes, chars, out _);
    });
}
