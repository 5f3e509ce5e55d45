using System.Buffers;
using System.Buffers.Text;
using System.Text.Unicode;
using System.Text.Json;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// A bearer is a JWT when it has three dot-separated parts whose first decodes (base64url) to a JSON object
/// with a string <c>alg</c>; anything else is an opaque token (CONTRACT §2).
/// </summary>
public static class BearerClassifier
{
    /// <summary>True when <paramref name="bearer"/> is a JWT by that rule; <paramref name="header"/> is then its decoded header.</summary>
    public static bool TryReadJwtHeader(string bearer, out JsonElement header)
    {
        header = default;
        var firstDot = bearer.IndexOf('.');
        if (firstDot <= 0)
        {
            return false;
        }

        var secondDot = bearer.IndexOf('.', firstDot + 1);
        if (secondDot < 0 || bearer.IndexOf('.', secondDot + 1) >= 0)
        {
            return false;
        }

        return TryDecodeJsonObject(bearer.AsSpan(0, firstDot), out header)
            && header.TryGetProperty("alg", out var alg)
            && alg.ValueKind == JsonValueKind.String;
    }

    /// <summary>
    /// The payload's <c>iss</c> when <paramref name="jwt"/> (a bearer <see cref="TryReadJwtHeader"/> accepted) has a
    /// JSON-object payload with a string <c>iss</c>; it decides whether the JWT is an OAuth access token (CONTRACT §6).
    /// </summary>
    public static string? ReadIssuer(string jwt)
    {
        var firstDot = jwt.IndexOf('.');
        var secondDot = jwt.IndexOf('.', firstDot + 1);
        return TryDecodeJsonObject(jwt.AsSpan(firstDot + 1, secondDot - firstDot - 1), out var payload)
               && payload.TryGetProperty("iss", out var iss) && iss.ValueKind == JsonValueKind.String
            ? iss.GetString()
            : null;
    }

    /// <summary>Decodes one base64url segment holding a JSON object; false for anything else.</summary>
    public static bool TryDecodeJsonObject(ReadOnlySpan<char> segment, out JsonElement value)
    {
        value = default;
        var buffer = new byte[segment.Length];
        // Invalid UTF-8 inside a JSON string parses, then throws when read: refuse it here, once.
        if (!TryDecode(segment, buffer, out var written) || !Utf8.IsValid(buffer.AsSpan(0, written)))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, written));
            if (document.RootElement.ValueKind != JsonValueKind.Object || !IsReadable(document.RootElement))
            {
                return false;
            }

            value = document.RootElement.Clone();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// False when a name or string anywhere in <paramref name="element"/> cannot be read as text (an escaped lone
    /// surrogate such as <c>"\ud800"</c> parses, then throws when read): such a segment is refused here, once, rather
    /// than wherever a claim happens to be read.
    /// </summary>
    private static bool IsReadable(JsonElement element)
    {
        try
        {
            return Walk(element);
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static bool Walk(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().All(p => p.Name is not null && Walk(p.Value)),
            JsonValueKind.Array => element.EnumerateArray().All(Walk),
            JsonValueKind.String => element.GetString() is not null,
            _ => true,
        };
    }

    /// <summary>
    /// Strict base64url decoding that reports bad input instead of throwing. Padding is refused (RFC 7515 §2): the
    /// decoder would accept <c>sig==</c> as <c>sig</c>, making one token many.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> segment, Span<byte> destination, out int written)
    {
        written = 0;
        return !segment.Contains('=')
               && Base64Url.DecodeFromChars(segment, destination, out var consumed, out written) == OperationStatus.Done
               && consumed == segment.Length;
    }
}
