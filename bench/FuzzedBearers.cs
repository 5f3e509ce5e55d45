using System.Buffers.Text;
using System.Text;
using System.Text.Json.Nodes;

namespace Mnemosyne.Bench;

/// <summary>
/// Structure-aware broken bearers made from valid ones: every mutation changes what a validator must check (a
/// header or payload byte, the signature, a claim's type, the alg, kid/crit/jku/x5u tricks, huge or deeply nested
/// JSON, unicode and control characters, broken shapes), so none of them may be accepted. Seeded: the same seed
/// makes the same bearers.
/// </summary>
public sealed class FuzzedBearers(IReadOnlyList<string> validJwts, IReadOnlyList<string> validOpaque, int seed)
{
    private readonly Random _random = new(seed);
    private string _shape = "";

    public IEnumerable<(string Family, string Bearer)> Generate(int count)
    {
        var families = new Func<string>[]
        {
            FlipHeader, FlipPayload, FlipSignature, SwapClaimType, ChangeAlg, KidTrick, HeaderTrick, HugeJson,
            UnicodeAndControl, BrokenShape, OpaqueMutation,
        };
        var names = new[]
        {
            "header byte", "payload byte", "signature byte", "claim type", "alg", "kid", "crit/jku/x5u", "huge/nested JSON",
            "unicode/control", "shape", "opaque",
        };
        for (var i = 0; i < count; i++)
        {
            int pick;
            string bearer;
            do
            {
                pick = _random.Next(families.Length);
                bearer = families[pick]();
            }
            while (validJwts.Contains(bearer) || validOpaque.Contains(bearer)); // a "mutation" that changed nothing is no mutation

            yield return (pick == 9 ? names[pick] + ": " + _shape : names[pick], bearer);
        }
    }

    private string Jwt() => validJwts[_random.Next(validJwts.Count)];

    private static string[] Parts(string jwt) => jwt.Split('.');

    private static JsonObject Decode(string segment) => (JsonObject)JsonNode.Parse(Base64Url.DecodeFromChars(segment))!;

    private static string Encode(JsonNode node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString()));

    /// <summary>Another base64url character in place of one (never the last of a segment: its spare bits may not count).</summary>
    private string Flip(string segment)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var at = _random.Next(Math.Max(1, segment.Length - 1));
        var replacement = alphabet[_random.Next(alphabet.Length)];
        if (replacement == segment[at])
        {
            replacement = replacement == 'A' ? 'B' : 'A';
        }

        return string.Concat(segment.AsSpan(0, at), replacement.ToString(), segment.AsSpan(at + 1));
    }

    private string FlipHeader() { var p = Parts(Jwt()); return $"{Flip(p[0])}.{p[1]}.{p[2]}"; }

    private string FlipPayload() { var p = Parts(Jwt()); return $"{p[0]}.{Flip(p[1])}.{p[2]}"; }

    private string FlipSignature() { var p = Parts(Jwt()); return $"{p[0]}.{p[1]}.{Flip(p[2])}"; }

    /// <summary>A claim re-encoded with another JSON type (the signature no longer covers it, and the type is wrong).</summary>
    private string SwapClaimType()
    {
        var p = Parts(Jwt());
        var payload = Decode(p[1]);
        var claim = new[] { "exp", "iat", "sub", "iss", "jti", "libs", "aud", "nbf", "typ", "scope" }[_random.Next(10)];
        payload[claim] = _random.Next(6) switch
        {
            0 => JsonValue.Create("1e309"),
            1 => new JsonArray(JsonValue.Create(1), JsonValue.Create(true)),
            2 => new JsonObject { ["nested"] = "x" },
            3 => JsonValue.Create(true),
            4 => JsonValue.Create(-1L),
            _ => null,
        };
        return $"{p[0]}.{Encode(payload)}.{p[2]}";
    }

    private string ChangeAlg()
    {
        var p = Parts(Jwt());
        var header = Decode(p[0]);
        header["alg"] = new[] { "none", "None", "HS512", "RS256", "ES256", "HS256 ", "", "PS256", "dir" }[_random.Next(9)];
        var signature = _random.Next(2) == 0 ? "" : p[2];
        return $"{Encode(header)}.{p[1]}.{signature}";
    }

    private string KidTrick()
    {
        var p = Parts(Jwt());
        var header = Decode(p[0]);
        header["kid"] = _random.Next(7) switch
        {
            0 => "../../etc/passwd",
            1 => new string('k', 5000),
            2 => "k-\u0000",
            3 => "' OR 1=1 --",
            4 => JsonValue.Create(42),
            5 => new JsonArray("k"),
            _ => "ключ-🔑",
        };
        return $"{Encode(header)}.{p[1]}.{p[2]}";
    }

    private string HeaderTrick()
    {
        var p = Parts(Jwt());
        var header = Decode(p[0]);
        switch (_random.Next(4))
        {
            case 0: header["crit"] = new JsonArray("exp"); break;
            case 1: header["jku"] = "http://127.0.0.1:1/jwks"; break;
            case 2: header["x5u"] = "http://127.0.0.1:1/cert"; break;
            default: header["jwk"] = new JsonObject { ["kty"] = "oct", ["k"] = "AAAA" }; break;
        }

        return $"{Encode(header)}.{p[1]}.{p[2]}";
    }

    private string HugeJson()
    {
        var p = Parts(Jwt());
        var depth = _random.Next(2) == 0 ? 200 : 2000;
        var nested = new string('[', depth) + new string(']', depth);
        var payload = _random.Next(2) == 0
            ? "{\"libs\":" + nested + "}"
            : "{\"sub\":\"" + new string('a', 8000) + "\"}";
        return $"{p[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload))}.{p[2]}";
    }

    private string UnicodeAndControl()
    {
        var p = Parts(Jwt());
        var payload = Decode(p[1]);
        payload["sub"] = new[] { "\u0000", "\u202Eadmin", "ＡＤＭＩＮ", "\uD83D\uDE00", "\r\nX-Injected: 1", "\u0007" }[_random.Next(6)];
        return $"{p[0]}.{Encode(payload)}.{p[2]}";
    }

    private string BrokenShape()
    {
        var jwt = Jwt();
        (_shape, var bearer) = _random.Next(7) switch
        {
            0 => ("trailing dot", jwt + "."),
            1 => ("leading dot", "." + jwt),
            2 => ("look-alike dots", jwt.Replace('.', '\u2024')),
            3 => ("cut in half", jwt[..(jwt.Length / 2)]),
            4 => ("padded", jwt + "=="),
            5 => ("standard alphabet", jwt.Replace('-', '+').Replace('_', '/')),
            _ => ("empty segments", ".."),
        };
        return bearer;
    }

    private string OpaqueMutation()
    {
        var token = validOpaque[_random.Next(validOpaque.Count)];
        return _random.Next(5) switch
        {
            0 => Flip(token[4..]).Insert(0, "mnm_"),
            1 => token[..^1],
            2 => token + "A",
            3 => token.ToUpperInvariant(),
            _ => "mnm_" + new string('A', token.Length - 4),
        };
    }
}
