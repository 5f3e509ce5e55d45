using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Audit;

/// <summary>
/// The audit walk's cursor, opaque to clients: where the last page ended (time, id) and the walk's ceiling (the
/// highest id stored when its first page was read), sealed with an HMAC under a key every replica derives from the
/// internal key, bound to the walk's filters. A cursor that was altered, cut, or is used with other filters does not
/// open: the API answers 400, never 500. Layout: version (1) | time ticks (8) | id (8) | ceiling (8) | tag (16).
/// </summary>
public sealed class AuditCursor(IOptions<SharedKeys> keys)
{
    /// <summary>The longest cursor this API gives out (41 bytes in base64url), with room to spare.</summary>
    public const int MaxLength = 64;

    private const byte Version = 1;
    private const int PayloadSize = 1 + 8 + 8 + 8;
    private const int TagSize = 16;
    private static readonly byte[] KeyInfo = "mnemosyne/audit-cursor/v1"u8.ToArray();

    private readonly byte[] _key = HKDF.DeriveKey(
        HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(keys.Value.InternalKey), 32, salt: [], info: KeyInfo);

    /// <summary>Where a walk stands: after the entry at (Time, Id), never above Ceiling.</summary>
    public readonly record struct Position(DateTimeOffset Time, long Id, long Ceiling);

    public string Seal(Position position, AuditFilter filter)
    {
        Span<byte> bytes = stackalloc byte[PayloadSize + TagSize];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], position.Time.UtcTicks);
        BinaryPrimitives.WriteInt64BigEndian(bytes[9..], position.Id);
        BinaryPrimitives.WriteInt64BigEndian(bytes[17..], position.Ceiling);
        Tag(bytes[..PayloadSize], filter, bytes[PayloadSize..]);
        return Base64Url.EncodeToString(bytes);
    }

    /// <summary>The position a cursor holds; null when this API did not give it out for these filters.</summary>
    public Position? Open(string cursor, AuditFilter filter)
    {
        Span<byte> bytes = stackalloc byte[PayloadSize + TagSize + 1];
        if (cursor.Length > MaxLength
            || Base64Url.DecodeFromChars(cursor, bytes, out _, out var written) != System.Buffers.OperationStatus.Done
            || written != PayloadSize + TagSize || bytes[0] != Version)
        {
            return null;
        }

        Span<byte> expected = stackalloc byte[TagSize];
        Tag(bytes[..PayloadSize], filter, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes.Slice(PayloadSize, TagSize)))
        {
            return null;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes[1..]);
        return ticks is < 0 || ticks > DateTimeOffset.MaxValue.UtcTicks
            ? null
            : new Position(new DateTimeOffset(ticks, TimeSpan.Zero), BinaryPrimitives.ReadInt64BigEndian(bytes[9..]),
                BinaryPrimitives.ReadInt64BigEndian(bytes[17..]));
    }

    private void Tag(ReadOnlySpan<byte> payload, AuditFilter filter, Span<byte> tag)
    {
        var filters = JsonSerializer.SerializeToUtf8Bytes(filter);
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        hmac.AppendData(payload);
        hmac.AppendData(filters);
        Span<byte> full = stackalloc byte[32];
        hmac.GetHashAndReset(full);
        full[..TagSize].CopyTo(tag);
    }
}
