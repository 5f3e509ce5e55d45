using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Mnemosyne.ServiceDefaults.Announcements;

/// <summary>
/// A replica's word that it has applied every announced change up to <see cref="Generation"/>, as both transports
/// carry it: <c>generation:replica</c> (a Redis message, a Postgres notification). Generations only move forward, so
/// one acknowledgement answers every announcement at or below it. Anything that does not parse is ignored, which
/// leaves the announcer waiting for that replica's lease instead (fail closed).
/// </summary>
public readonly record struct Acknowledgement(long Generation, string Replica)
{
    private const int ReplicaLength = 32;
    private static readonly SearchValues<char> Hex = SearchValues.Create("0123456789abcdef");

    /// <summary>A new replica's name: 32 lower-case hex digits, the only shape <see cref="TryParse"/> accepts.</summary>
    public static string NewReplicaId() => Guid.NewGuid().ToString("N");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Generation}:{Replica}");

    public static bool TryParse(string? text, [NotNullWhen(true)] out Acknowledgement? acknowledgement)
    {
        acknowledgement = null;
        var colon = text?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        if (colon <= 0
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            || text!.Length - colon - 1 != ReplicaLength
            || text.AsSpan(colon + 1).ContainsAnyExcept(Hex))
        {
            return false;
        }

        acknowledgement = new Acknowledgement(generation, text[(colon + 1)..]);
        return true;
    }
}
